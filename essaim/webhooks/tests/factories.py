from datetime import timedelta
from typing import Any

from django.utils import timezone

from essaim.campaigns.models import Campaign
from essaim.core.models import OutboxMessage
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


def pending_delivery(
    endpoint: Endpoint, event_id: str = "ping:test", **message_fields: Any
) -> Delivery:
    """A delivery waiting for its first attempt, as deliveries_create leaves it once its task
    was lost; `message_fields` set its outbox message's state, attempts, lease."""
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        event_type=EventType.PING,
        payload={"id": event_id, "type": "ping"},
    )
    message_fields.setdefault("due_at", timezone.now())
    message = OutboxMessage.objects.create(
        channel="webhook", payload={"delivery": delivery.pk}, **message_fields
    )
    Delivery.objects.filter(pk=delivery.pk).update(message=message)
    delivery.message = message
    return delivery


def message_of(delivery: Delivery) -> OutboxMessage:
    message = Delivery.objects.select_related("message").get(pk=delivery.pk).message
    assert message is not None
    return message


def deliveries_in(status: str) -> list[Delivery]:
    """The deliveries whose log status is `status`, oldest first."""
    everything = Delivery.objects.select_related("message").order_by("pk")
    return [delivery for delivery in everything if delivery.status == status]


def make_due() -> None:
    """Time passes: every backoff is over."""
    OutboxMessage.objects.filter(state="pending").update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
