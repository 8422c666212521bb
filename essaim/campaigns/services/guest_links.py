"""Personal links: a confirmed guest has no account to log in with, so their ticket and their
check-in page are reached by a link signed for their confirmed action, sent by e-mail
(`services.guest` confirms the action and mails it). It does not expire (a ticket is needed on
the day); it opens nothing once the action's row is gone, or once the action is asked again
(its moment is part of the link)."""

from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from essaim.campaigns.models import Campaign, CheckIn, GuestAction, Participant, Rsvp
from essaim.campaigns.services.challenge import check_in
from essaim.campaigns.services.events import rsvp_cancel
from essaim.core.errors import NotFound, ValidationError

PERSONAL_SALT = "essaim.campaigns.guest-link"


def personal_token(action: GuestAction) -> str:
    return signing.dumps(
        [action.pk, action.user_id, int(action.created_at.timestamp())], salt=PERSONAL_SALT
    )


def guest_action_for_link(*, token: str, campaign: Campaign, kind: str) -> GuestAction:
    """The confirmed action of `kind` a personal link names, in this campaign; else a clear
    error (a link altered, another campaign's, another kind's, or one not confirmed)."""
    try:
        pk, user_id, created = signing.loads(token, salt=PERSONAL_SALT)
        pk, user_id, created = int(pk), int(user_id), int(created)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ValidationError(
            _("This link is not valid: open it exactly as it came in the e-mail.")
        ) from error
    action = (
        GuestAction.objects.select_related("campaign", "challenge", "event", "user")
        .filter(pk=pk, user_id=user_id, campaign=campaign, kind=kind, confirmed_at__isnull=False)
        .first()
    )
    if action is None or int(action.created_at.timestamp()) != created:
        raise NotFound(_("This link is not for this page, or what it was for is gone."))
    return action


def guest_ticket_path(rsvp: Rsvp) -> str | None:
    """The personal link to the ticket of `rsvp`, when it was answered without an account
    (what the waiting list's promotion e-mails such a person); else None."""
    return _link_of(
        GuestAction.objects.filter(
            kind=GuestAction.Kind.RSVP, event_id=rsvp.event_id, user_id=rsvp.user_id
        )
    )


def rsvp_path(rsvp: Rsvp) -> str:
    """Where the person of `rsvp` finds their place: someone who answered without an account
    has no log-in to reach the event's page as themselves, so their ticket's personal link;
    anyone else, the event's page. (`rsvp` with its user and event loaded.)"""
    return (rsvp.user.is_guest and guest_ticket_path(rsvp)) or rsvp.event.get_absolute_url()


def guest_check_in_path(participant: Participant) -> str | None:
    """The personal check-in link of `participant`, when they joined without an account
    (what the day's prompt e-mails such a person); else None."""
    return _link_of(
        GuestAction.objects.filter(
            kind=GuestAction.Kind.JOIN,
            challenge_id=participant.challenge_id,
            user_id=participant.user_id,
        )
    )


def _link_of(actions: QuerySet[GuestAction]) -> str | None:
    action = actions.filter(confirmed_at__isnull=False).first()
    return guest_link_path(action) if action is not None else None


def guest_link_path(action: GuestAction) -> str:
    """Where a confirmed guest's personal link leads: the ticket of an RSVP, the check-in
    page of a challenge (a signature needs none: its page is the campaign's)."""
    name = (
        "campaigns:guest_check_in"
        if action.kind == GuestAction.Kind.JOIN
        else "campaigns:guest_ticket"
    )
    slug = Campaign.objects.values_list("slug", flat=True).get(pk=action.campaign_id)
    return reverse(name, kwargs={"slug": slug, "token": personal_token(action)})


def guest_check_in(*, token: str, campaign: Campaign) -> tuple[GuestAction, CheckIn]:
    """Today's check-in through a personal link (`check_in`, the one write path: once per
    day, whatever is repeated)."""
    action = guest_action_for_link(token=token, campaign=campaign, kind=GuestAction.Kind.JOIN)
    if action.challenge is None:
        raise ValueError(f"guest action {action.pk} has no challenge")
    return action, check_in(user=action.user, challenge=action.challenge)


def guest_rsvp_cancel(*, token: str, campaign: Campaign) -> GuestAction:
    """Give one's place back through the ticket's link (`rsvp_cancel`: the first waiting
    person gets it)."""
    action = guest_action_for_link(token=token, campaign=campaign, kind=GuestAction.Kind.RSVP)
    if action.event is None:
        raise ValueError(f"guest action {action.pk} has no event")
    rsvp_cancel(user=action.user, event=action.event)
    return action
