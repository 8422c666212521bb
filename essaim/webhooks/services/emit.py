"""What the campaigns call, after commit, when something happens that hosts may listen to.

These sit on hot paths (a signature in a viral spike): a campaign without an endpoint costs
one cache read (see selectors.campaign_is_listened), and one with endpoints costs one task
enqueued; building the payload and sending happen in the task."""

from essaim.campaigns.models import Donation, Milestone, Rsvp
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


def signature_created(*, campaign_id: int, signature_id: int, listened: bool | None = None) -> None:
    """`listened`: whether the campaign has an endpoint, on or off (an endpoint that is off
    keeps its events, held), when the caller read it along with its own write (the signing
    lane's statement), which spares the cache read."""
    _emit(EventType.SIGNATURE, campaign_id=campaign_id, object_id=signature_id, listened=listened)


def rsvp_created(rsvp: Rsvp) -> None:
    _emit(EventType.RSVP, campaign_id=rsvp.event.campaign_id, object_id=rsvp.pk)


def donation_succeeded(donation: Donation) -> None:
    _emit(EventType.DONATION, campaign_id=donation.fundraiser.campaign_id, object_id=donation.pk)


def milestone_reached(milestone: Milestone) -> None:
    _emit(EventType.MILESTONE, campaign_id=milestone.campaign_id, object_id=milestone.pk)
