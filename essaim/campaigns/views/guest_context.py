"""What the pages show a guest of their own action: shared by the guest views and the pages
they come back to (the campaign's, an event's), which the guest views themselves import."""

from typing import Any

from django.http import HttpRequest

from essaim.campaigns import guest_cookie
from essaim.campaigns.models import Campaign, Event, GuestAction
from essaim.campaigns.selectors.guest import guest_action_remembered
from essaim.campaigns.services import guest as guest_services
from essaim.core import parts


def share_parts(action: GuestAction) -> list[parts.Part]:
    """The guest's own share link, at once: relay's part, since campaigns sits below it. What
    the link did (its visits, the people it brought) only once the address confirmed: whoever
    typed it may not be its owner, and the address may be an account's, whose link is older."""
    return parts.parts_for(
        "campaigns.guest.share",
        person=action.user,
        campaign=action.campaign,
        with_stats=action.confirmed_at is not None,
        new_person=action.person_new,
    )


def action_context(action: GuestAction) -> dict[str, Any]:
    return {
        "campaign": action.campaign,
        "action": action,
        "hours": guest_services.expiry().total_seconds() // 3600,
        "share_parts": share_parts(action),
    }


def returning_guest_rsvp(request: HttpRequest, campaign: Campaign, event: Event) -> dict[str, Any]:
    """For the event's page: what an anonymous visitor answered here in this browser (in
    place of the empty form), or nothing."""
    rsvp = guest_action_remembered(
        campaign=campaign,
        kind=GuestAction.Kind.RSVP,
        remembered=guest_cookie.remembered(request),
        target_id=event.pk,
    )
    return {"guest_rsvp": rsvp, **action_context(rsvp)} if rsvp is not None else {}
