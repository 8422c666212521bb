"""Signing a pledge in one click."""

from django.db import transaction
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns.models import Campaign, Pledge, Signature
from essaim.campaigns.services.campaigns import require_host
from essaim.campaigns.services.milestones import ladder, milestones_reach
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
    that brought the signer, if any."""
    _require_live(user, pledge)
    with transaction.atomic():
        signature, created = Signature.objects.get_or_create(
            pledge=pledge, user=user, defaults={"show_name": show_name, "host": credited_host(link)}
        )
        if not created and signature.show_name != show_name:
            signature.show_name = show_name
            signature.save(update_fields=["show_name", "updated_at"])
        if created:
            transaction.on_commit(lambda: webhooks.signature_created(signature))
            supporter_record(
                campaign=pledge.campaign, user=user, action=Supporter.Action.SIGN, link=link
            )
            milestones_reach(
                campaign=pledge.campaign,
                kind="signatures",
                count=pledge.signatures.count(),
                rungs=ladder(pledge.goal_ladder),
            )
    return signature


def pledge_unsign(*, user: User, pledge: Pledge) -> None:
    _require_live(user, pledge)
    Signature.objects.filter(pledge=pledge, user=user).delete()


def pledge_setup(*, actor: User, campaign: Campaign, text: str, goal_ladder: str = "") -> Pledge:
    """Add a pledge to the campaign, or change its text and goals."""
    require_host(actor, campaign)
    if not text.strip():
        raise ValidationError(_("Say what people sign."))
    the_pledge, _created = Pledge.objects.update_or_create(
        campaign=campaign, defaults={"text": text.strip(), "goal_ladder": goal_ladder.strip()}
    )
    return the_pledge
