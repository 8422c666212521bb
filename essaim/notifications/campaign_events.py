"""Telling a person on an event's waiting list that a place is theirs
(`campaigns.rsvp_promoted`)."""

from essaim.campaigns.models import Rsvp
from essaim.campaigns.services.guest import guest_ticket_path
from essaim.notifications.models import Notification
from essaim.notifications.services import notify


def rsvp_promoted(*, rsvp_id: int, user_id: int, position: int) -> None:
    """In the promotion's transaction: the notice is written exactly when the place is."""
    rsvp = Rsvp.objects.select_related("user", "event").get(pk=rsvp_id)
    event = rsvp.event
    # Keyed by queue position: queueing again after a cancellation is a new promotion.
    notify(
        user=rsvp.user,
        kind=Notification.Kind.EVENT_PROMOTED,
        key=f"event-promoted:{rsvp_id}:{position}",
        # The answer and its place in the queue: the push's buttons act on this one only.
        params={
            "event": event.title,
            "when": event.starts_at.isoformat(),
            "rsvp": rsvp_id,
            "position": position,
        },
        # Who answered without an account has no log-in to reach the event's page as
        # themselves: their e-mail links to the ticket their signed link opens.
        url=(rsvp.user.is_guest and guest_ticket_path(rsvp)) or event.get_absolute_url(),
    )
