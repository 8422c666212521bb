"""Signature counts kept in step with the settled signatures (see `SignatureTally`)."""

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Mod

from essaim.campaigns.models import Pledge, Signature, SignatureTally
from essaim.campaigns.selectors import pledge_shown_forget


def tally_move(*, pledge_id: int, shard: int, delta: int) -> None:
    """Add `delta` to one shard, inside the caller's transaction. Callers spread their shards
    (the batch's first signature, the signer), so concurrent writers mostly touch different
    rows; a shard alone may go below zero, only the sum means something."""
    shard %= SignatureTally.SHARDS
    pledge_shown_forget(pledge_id)
    rows = SignatureTally.objects.filter(pledge_id=pledge_id, shard=shard)
    if rows.update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            SignatureTally.objects.create(pledge_id=pledge_id, shard=shard, count=delta)
    except IntegrityError:
        # Another writer created the shard in between.
        rows.update(count=F("count") + delta)


def tally_rebuild(pledge: Pledge) -> int:
    """Recount from the settled signatures no invalidation holds, after a bulk load that
    bypassed the services."""
    per_shard = (
        Signature.objects.filter(
            Q(settled_at__isnull=False), pledge=pledge, invalidation__isnull=True
        )
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
        pledge_shown_forget(pledge.pk)
    return sum(row.count for row in created)
