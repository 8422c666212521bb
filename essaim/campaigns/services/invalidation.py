"""Setting suspicious signatures aside, as the UK e-petitions site does: a host or a moderator
selects a pledge's signatures given without an account by e-mail domain, time window and
network (`selectors.invalidation.invalidation_selection`), sees how many, and invalidates
them in one batch; the batch can be restored.

The count moves through the tally's own mechanism (`tally.tally_move`), in the transaction
that marks the rows: the tally is the settled signatures no batch holds, so a batch takes
its rows out of it and a restore puts them back, each exactly once. The rows stay where they
are: signing again finds the same row (`pledge_sign` updates it, leaves its batch), and
the signer cannot withdraw it to sign afresh (`pledge.pledge_unsign`).

Locks: the selected `Signature` rows, in id order (as `pledge.signatures_remove` and the
settle take them), then the tally shards in shard order. Two people invalidating at once
wait on each other's rows; the second then sees them set aside and takes only what is left."""

import ipaddress
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.campaigns import permissions
from essaim.campaigns.events import SIGNATURES_INVALIDATED, SIGNATURES_RESTORED
from essaim.campaigns.ladder import ladder
from essaim.campaigns.models import (
    Campaign,
    Pledge,
    Signature,
    SignatureInvalidation,
    SignatureTally,
)
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.selectors.invalidation import Criteria, invalidation_selection
from essaim.campaigns.services.milestones import milestones_reach
from essaim.campaigns.services.settle import signatures_settle
from essaim.campaigns.services.tally import tally_move
from essaim.core.errors import NotFound, PermissionDenied, ValidationError

# Rows marked per UPDATE: within every database's limit on a statement's parameters.
CHUNK = 500
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


def require_invalidator(actor: User, campaign: Campaign) -> None:
    """NotFound for who may not even see the campaign, PermissionDenied for the other
    outsiders; a suspended host or moderator acts on nothing."""
    if not permissions.can_invalidate(actor, campaign):
        if not permissions.can_view(actor, campaign):
            raise NotFound(_("This campaign does not exist."))
        raise PermissionDenied(_("Only the campaign's hosts and the moderators can do this."))
    require_good_standing(actor)


def criteria_clean(
    *,
    email_domain: str = "",
    network: str = "",
    signed_from: datetime | None = None,
    signed_until: datetime | None = None,
) -> Criteria:
    """The criteria as the selection compares them, or a clear error: a domain in lower case
    without its "@", an address or a network turned into the network the guest form keeps
    (an IPv4 /24, an IPv6 /48)."""
    if signed_from and signed_until and signed_until <= signed_from:
        raise ValidationError(_("The end of the window must come after its start."))
    domain = email_domain.strip().lower().lstrip("@").rstrip(".")
    if domain:
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValidationError(_("Enter a domain such as example.org.")) from error
        if not DOMAIN.match(domain):
            raise ValidationError(_("Enter a domain such as example.org."))
    return Criteria(
        email_domain=domain,
        network=_network(network.strip()),
        signed_from=signed_from,
        signed_until=signed_until,
    )


def _network(text: str) -> str:
    if not text:
        return ""
    try:
        parsed = ipaddress.ip_network(text, strict=False)
    except ValueError as error:
        raise ValidationError(_("Enter an address or a network such as 203.0.113.0/24.")) from error
    prefix = 24 if parsed.version == 4 else 48
    if parsed.prefixlen < prefix:
        raise ValidationError(
            _("Signatures are kept by /24 network (IPv4) or /48 (IPv6): enter one of those.")
        )
    return str(parsed.supernet(new_prefix=prefix))


def _tally_shift(pledge_id: int, user_ids: Iterable[int], sign: int) -> None:
    """Move each row out of (-1) or back into (+1) the shard its signer's id points to, one
    update per shard, in shard order."""
    from_shards = Counter(user_id % SignatureTally.SHARDS for user_id in user_ids)
    for shard in sorted(from_shards):
        tally_move(pledge_id=pledge_id, shard=shard, delta=sign * from_shards[shard])


def _mark(pks: list[int], invalidation: SignatureInvalidation | None) -> None:
    for start in range(0, len(pks), CHUNK):
        Signature.objects.filter(pk__in=pks[start : start + CHUNK]).update(
            invalidation=invalidation
        )


def signatures_invalidate(
    *,
    actor: User,
    pledge: Pledge,
    criteria: Criteria,
    reason: str,
    key: str = "",
    everything: bool = False,
) -> SignatureInvalidation | None:
    """Set aside the signatures `criteria` select now, in one batch; None when they select
    none (nothing is recorded). Empty criteria select every signature given without an
    account: refused unless `everything` says so. `key` is the form's one-time key: the same
    form sent again returns its batch and changes nothing more; criteria sent again under a
    new key find nothing left to set aside.

    Signatures not yet settled are settled first, in this transaction: a batch holds only
    counted rows, so restoring it knows what to put back, and the settle never sees an
    invalidated row."""
    campaign = pledge.campaign
    require_invalidator(actor, campaign)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why these signatures are set aside."))
    if criteria.is_empty and not everything:
        raise ValidationError(
            _(
                "Choose at least one criterion, or confirm that you mean every signature "
                "given without an account."
            )
        )
    key = key.strip()[:64] or uuid.uuid4().hex
    with transaction.atomic():
        rows = list(
            invalidation_selection(pledge, criteria)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", "user_id", "settled_at")
        )
        # Read after the rows' locks: a twin of this request that held them has committed.
        done = SignatureInvalidation.objects.filter(pledge=pledge, key=key).first()
        if done is not None:
            return done
        if not rows:
            return None
        unsettled = [pk for pk, _user, settled_at in rows if settled_at is None]
        if unsettled:
            signatures_settle(ids=unsettled, limit=len(unsettled))
        try:
            with transaction.atomic():
                batch = SignatureInvalidation.objects.create(
                    pledge=pledge,
                    actor=actor,
                    reason=reason,
                    email_domain=criteria.email_domain,
                    network=criteria.network,
                    signed_from=criteria.signed_from,
                    signed_until=criteria.signed_until,
                    count=len(rows),
                    key=key,
                )
        except IntegrityError:
            # A twin of this request that selected nothing else made it meanwhile.
            return SignatureInvalidation.objects.get(pledge=pledge, key=key)
        _mark([pk for pk, _user, _at in rows], batch)
        _tally_shift(pledge.pk, (user_id for _pk, user_id, _at in rows), -1)
        SIGNATURES_INVALIDATED.publish(
            invalidation_id=batch.pk,
            campaign_id=campaign.pk,
            pledge_id=pledge.pk,
            actor_id=actor.pk,
            count=batch.count,
            reason=reason,
        )
    return batch


def signatures_restore(
    *, actor: User, invalidation: SignatureInvalidation
) -> SignatureInvalidation:
    """Count a batch's signatures again (those still there: a signer may have closed their
    account since). Restoring it again changes nothing."""
    pledge = invalidation.pledge
    require_invalidator(actor, pledge.campaign)
    now = timezone.now()
    with transaction.atomic():
        first = SignatureInvalidation.objects.filter(
            pk=invalidation.pk, restored_at__isnull=True
        ).update(restored_at=now, restored_by=actor, updated_at=now)
        if first:
            rows = list(
                Signature.objects.filter(invalidation=invalidation)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "user_id")
            )
            _mark([pk for pk, _user in rows], None)
            _tally_shift(pledge.pk, (user_id for _pk, user_id in rows), +1)
            milestones_reach(
                campaign_id=pledge.campaign_id,
                kind="signatures",
                count=signature_count(pledge),
                rungs=ladder(pledge.goal_ladder),
            )
            SIGNATURES_RESTORED.publish(
                invalidation_id=invalidation.pk,
                campaign_id=pledge.campaign_id,
                pledge_id=pledge.pk,
                actor_id=actor.pk,
                count=len(rows),
                reason=invalidation.reason,
            )
    invalidation.refresh_from_db()
    return invalidation
