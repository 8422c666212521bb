"""Signature counts kept in step with the signatures (see `SignatureTally`)."""

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import Mod

from essaim.campaigns.models import Pledge, Signature, SignatureTally


def tally_move(*, pledge_id: int, user_id: int, delta: int) -> None:
    """Add `delta` to the signer's shard, inside the caller's transaction. The shard comes
    from the signer, so concurrent signers mostly touch different rows."""
    shard = user_id % SignatureTally.SHARDS
    rows = SignatureTally.objects.filter(pledge_id=pledge_id, shard=shard)
    if rows.update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            SignatureTally.objects.create(pledge_id=pledge_id, shard=shard, count=delta)
    except IntegrityError:
        # Another signer created the shard in between.
        rows.update(count=F("count") + delta)


def tally_rebuild(pledge: Pledge) -> int:
    """Recount from the signatures, after a bulk load that bypassed the services."""
    per_shard = (
        Signature.objects.filter(pledge=pledge)
        .annotate(shard=Mod("user_id", SignatureTally.SHARDS))
        .values("shard")
        .annotate(n=Count("pk"))
        .values_list("shard", "n")
    )
    with transaction.atomic():
        SignatureTally.objects.filter(pledge=pledge).delete()
        created = SignatureTally.objects.bulk_create(
            [SignatureTally(pledge=pledge, shard=shard, count=n) for shard, n in per_shard]
        )
    return sum(row.count for row in created)
