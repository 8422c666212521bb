"""What is sent when something happens on a campaign that hosts may listen to: called after
commit, on the campaigns' events (`campaigns.events`, subscribed in apps.ready).

These sit on hot paths (a signature in a viral spike): a campaign without an endpoint costs
one cache read (see selectors.campaign_is_listened), and one with endpoints costs one task
enqueued; building the payload and sending happen in the task."""

from typing import Any

from essaim.webhooks.models import EventType
from essaim.webhooks.selectors import campaign_is_listened
from essaim.webhooks.tasks import event_deliver


def _emit(
    event_type: str, *, campaign_id: int, object_id: int, listened: bool | None = None
) -> None:
    if listened is None:
        listened = campaign_is_listened(campaign_id)
    if listened:
        event_deliver.enqueue(str(event_type), object_id)


def signatures_settled(*, campaign_id: int, signatures: list[dict[str, Any]], **_: Any) -> None:
    """`campaigns.signatures_settled`: one event per signature, the campaign's endpoints read
    once for the batch (whether it has any, on or off: an endpoint that is off keeps its
    events, held)."""
    listened = campaign_is_listened(campaign_id)
    for signature in signatures:
        _emit(
            EventType.SIGNATURE,
            campaign_id=campaign_id,
            object_id=signature["id"],
            listened=listened,
        )


def rsvp_answered(*, rsvp_id: int, campaign_id: int) -> None:
    """`campaigns.rsvp_answered`."""
    _emit(EventType.RSVP, campaign_id=campaign_id, object_id=rsvp_id)


def gift_succeeded(*, donation_id: int, campaign_id: int) -> None:
    """`campaigns.gift_succeeded`."""
    _emit(EventType.DONATION, campaign_id=campaign_id, object_id=donation_id)


def milestone_reached(*, milestone_id: int, campaign_id: int) -> None:
    """`campaigns.milestone_reached`."""
    _emit(EventType.MILESTONE, campaign_id=campaign_id, object_id=milestone_id)
