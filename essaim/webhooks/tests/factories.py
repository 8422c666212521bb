from datetime import timedelta

from django.utils import timezone

from essaim.campaigns.models import Campaign
from essaim.webhooks.models import Delivery, Endpoint, EventType
from essaim.webhooks.services import endpoints
from essaim.webhooks.tests.receiver import Receiver

ALL_EVENTS = [event.value for event in EventType if event != EventType.PING]


def register_endpoint(
    campaign: Campaign, receiver: Receiver, events: list[str] | None = None
) -> Endpoint:
    """An endpoint of `campaign` on `receiver`, registered by its creator; the receiver now
    checks signatures with the endpoint's secret."""
    endpoint, _created = endpoints.endpoint_create(
        actor=campaign.created_by, campaign=campaign, url=receiver.url, events=events or ALL_EVENTS
    )
    receiver.secret = endpoint.secret
    return endpoint


def pending_delivery(endpoint: Endpoint, event_id: str = "ping:test", **fields: object) -> Delivery:
    """A delivery waiting for its first attempt, as deliveries_create leaves it."""
    values: dict[str, object] = {
        "event_type": EventType.PING,
        "payload": {"id": event_id, "type": "ping"},
        "next_attempt_at": timezone.now() + timedelta(minutes=5),
        **fields,
    }
    return Delivery.objects.create(endpoint=endpoint, event_id=event_id, **values)
