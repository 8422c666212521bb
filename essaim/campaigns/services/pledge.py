"""Signing a pledge in one click."""

from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.campaigns import permissions
from essaim.campaigns.models import Campaign, Pledge, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services.campaigns import require_host
from essaim.campaigns.services.milestones import ladder, milestones_reach
from essaim.campaigns.services.tally import tally_move
from essaim.core.errors import NotFound, ValidationError
from essaim.relay.models import ShareLink, Supporter
from essaim.relay.services import credited_host, supporter_record
from essaim.webhooks.services import emit as webhooks


def _require_live(user: User, pledge: Pledge) -> None:
    campaign = pledge.campaign
    if not permissions.can_view(user, campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(campaign):
        raise ValidationError(_("This campaign is not open for action."))


def pledge_sign(
    *, user: User, pledge: Pledge, show_name: bool = False, link: ShareLink | None = None
) -> Signature:
    """Sign once: the unique (pledge, user) constraint makes 50 simultaneous clicks one
    signature. Signing again may change whether one's name is shown. `link` is the share link
    that brought the signer, if any.

    A viral petition runs this thousands of times a minute, so the new signature comes first
    and a repeat is told by the constraint, not by a lookup; the count is the tallies' sum,
    not a count of every row."""
    require_good_standing(user)
    _require_live(user, pledge)
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                pledge=pledge, user=user, show_name=show_name, host=credited_host(link)
            )
            supporter_record(
                campaign=pledge.campaign, user=user, action=Supporter.Action.SIGN, link=link
            )
            milestones_reach(
                campaign=pledge.campaign,
                kind="signatures",
                count=signature_count(pledge) + 1,
                rungs=ladder(pledge.goal_ladder),
            )
            # Last: the tally's row stays locked until the commit, and other signers may
            # be waiting for it.
            tally_move(pledge_id=pledge.pk, user_id=user.pk, delta=1)
            transaction.on_commit(
                partial(
                    webhooks.signature_created,
                    campaign_id=pledge.campaign_id,
                    signature_id=signature.pk,
                )
            )
    except IntegrityError:
        existing = Signature.objects.filter(pledge=pledge, user=user).first()
        if existing is None:
            raise
        signature = existing
        if signature.show_name != show_name:
            signature.show_name = show_name
            signature.save(update_fields=["show_name", "updated_at"])
    return signature


def pledge_unsign(*, user: User, pledge: Pledge) -> None:
    _require_live(user, pledge)
    signatures_remove(Signature.objects.filter(pledge=pledge, user=user))


def signatures_remove(signatures: QuerySet[Signature]) -> None:
    """Delete signatures and move their tallies with them (withdrawal, account deletion)."""
    with transaction.atomic():
        for pledge_id, user_id in signatures.select_for_update().values_list(
            "pledge_id", "user_id"
        ):
            tally_move(pledge_id=pledge_id, user_id=user_id, delta=-1)
        signatures.delete()


def pledge_setup(*, actor: User, campaign: Campaign, text: str, goal_ladder: str = "") -> Pledge:
    """Add a pledge to the campaign, or change its text and goals."""
    require_host(actor, campaign)
    if not text.strip():
        raise ValidationError(_("Say what people sign."))
    the_pledge, _created = Pledge.objects.update_or_create(
        campaign=campaign, defaults={"text": text.strip(), "goal_ladder": goal_ladder.strip()}
    )
    return the_pledge
