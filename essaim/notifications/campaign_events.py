"""Telling the people who answered an event what concerns them: a place freed up for them
(`campaigns.rsvp_promoted`), the event called off or moved (`campaigns.event_altered`)."""

import logging
from typing import Any

from django_tasks import task

from essaim.campaigns.models import Event, Rsvp
from essaim.campaigns.services.guest_links import rsvp_path
from essaim.notifications.models import Notification
from essaim.notifications.services import notify

logger = logging.getLogger(__name__)


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
        url=rsvp_path(rsvp),
    )


@task()
def notify_event_altered(event_id: int, cancelled: bool, rescheduled: bool, moved: bool) -> int:
    """Tell everyone with a place or on the waiting list that the event is called off, or at
    another time or place (as it is now). Keyed by the event's version: a rerun (a worker
    that died midway) tells nobody twice, a later change tells everyone again."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    version = f"{event.updated_at.timestamp():.6f}"
    told = 0
    answered = (
        Rsvp.objects.filter(event=event, user__is_active=True)
        .exclude(status=Rsvp.Status.CANCELLED)
        .select_related("user", "event")
        .order_by("pk")
    )
    for rsvp in answered.iterator(chunk_size=500):
        notification = notify(
            user=rsvp.user,
            kind=Notification.Kind.EVENT_ALTERED,
            key=f"event-altered:{event.pk}:{version}",
            params={
                "event": event.title,
                "when": event.starts_at.isoformat(),
                "address": event.address,
                "cancelled": cancelled,
                "rescheduled": rescheduled,
                "moved": moved,
            },
            url=rsvp_path(rsvp),
        )
        told += notification is not None
    logger.info("event change told", extra={"event_id": event_id, "recipients": told})
    return told


def event_altered(*, event_id: int, **change: Any) -> None:
    """`campaigns.event_altered`, after its commit: a task tells those who answered (an event
    may have hundreds: not in the host's request)."""
    notify_event_altered.enqueue(event_id, **change)
