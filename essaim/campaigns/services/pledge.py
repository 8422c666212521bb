"""Signing a pledge in one click."""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.campaigns import permissions
from essaim.campaigns.models import Campaign, Pledge, Signature
from essaim.campaigns.selectors import campaign_forget
from essaim.campaigns.services.campaigns import require_host
from essaim.campaigns.services.settle import signatures_settle
from essaim.campaigns.services.tally import tally_move
from essaim.core.errors import NotFound, ValidationError
from essaim.core.writes import insert_or_get


def _require_live(user: User, pledge: Pledge) -> None:
    campaign = pledge.campaign
    if not permissions.can_view(user, campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(campaign):
        raise ValidationError(_("This campaign is not open for action."))


def pledge_sign(
    *, user: User, pledge: Pledge, show_name: bool | None = False, via: str = ""
) -> Signature:
    """Sign once: the unique (pledge, user) constraint makes 50 simultaneous clicks one
    signature. Signing again may change whether one's name is shown. `via` is the code of the
    share link that brought the signer, as it came (the settle resolves it; the first one
    stays).

    Every door signs here (page, htmx, API, widget), and a viral petition runs this thousands
    of times a minute, so it writes only what must be durable before answering: one `INSERT`
    in autocommit (`core.writes.insert_or_get`). The tally, the supporter registry, the
    milestones and whoever listens are settled after (`settle.signatures_settle`): at once
    when `CAMPAIGNS_SETTLE_INLINE` is on, else by the scheduler within a second. On a repeat
    the stored row is returned, its name choice changed if this click changed it (`show_name`
    None: a door that asks no such choice, a guest's confirmation, keeps the stored one)."""
    require_good_standing(user)
    _require_live(user, pledge)
    signature, created = insert_or_get(
        Signature(pledge=pledge, user=user, show_name=bool(show_name), via=via[:16]),
        unique=["pledge", "user"],
    )
    if not created and show_name is not None and signature.show_name != show_name:
        # An update by key, not `save`: a withdrawal in between leaves nothing to change.
        Signature.objects.filter(pk=signature.pk).update(
            show_name=show_name, updated_at=timezone.now()
        )
        signature.show_name = show_name
    if settings.CAMPAIGNS_SETTLE_INLINE:
        signatures_settle(ids=[signature.pk])
    return signature


def pledge_unsign(*, user: User, pledge: Pledge) -> None:
    """Withdraw one's signature; not one set aside (`services.invalidation`): withdrawn then
    signed afresh, it would count again without anyone restoring it."""
    _require_live(user, pledge)
    with transaction.atomic():
        mine = Signature.objects.filter(pledge=pledge, user=user)
        if any(mine.select_for_update().values_list("invalidation_id", flat=True)):
            raise ValidationError(
                _(
                    "Your signature was set aside by the campaign's hosts or moderators: "
                    "it is not counted, and cannot be withdrawn or given again."
                )
            )
        signatures_remove(mine)


def signatures_remove(signatures: QuerySet[Signature]) -> None:
    """Delete signatures and take the settled ones out of their tallies (withdrawal, account
    deletion); an invalidated one is out of them already. The row lock waits for a settle
    or an invalidation that holds it, so a signature is taken out of the count exactly when
    it was counted."""
    with transaction.atomic():
        # Every row locked, then `settled_at` read from the locked version: a filter on it
        # would be checked against the rows as they were before a settle committed.
        locked = signatures.select_for_update().values_list(
            "pledge_id", "user_id", "settled_at", "invalidation_id"
        )
        for pledge_id, user_id, settled_at, invalidation_id in locked:
            if settled_at is not None and invalidation_id is None:
                tally_move(pledge_id=pledge_id, shard=user_id, delta=-1)
        signatures.delete()


def pledge_setup(*, actor: User, campaign: Campaign, text: str, goal_ladder: str = "") -> Pledge:
    """Add a pledge to the campaign, or change its text and goals."""
    require_host(actor, campaign)
    if not text.strip():
        raise ValidationError(_("Say what people sign."))
    the_pledge, _created = Pledge.objects.update_or_create(
        campaign=campaign, defaults={"text": text.strip(), "goal_ladder": goal_ladder.strip()}
    )
    campaign_forget(campaign.slug)
    return the_pledge
