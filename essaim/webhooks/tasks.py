"""Background work of webhooks: given ids only, safe to run twice (see services/sending.py)."""

import logging

from django_tasks import task

from essaim.webhooks.payloads import event_of
from essaim.webhooks.services import sending

logger = logging.getLogger(__name__)


@task()
def event_deliver(event_type: str, object_id: int) -> int:
    """Fan an event out to its campaign's endpoints, then send each delivery."""
    event = event_of(event_type, object_id)
    if event is None:
        return 0
    created = sending.deliveries_create(event)
    for delivery_id, attempts in created:
        delivery_send.enqueue(delivery_id, attempts)
    return len(created)


@task()
def delivery_send(delivery_id: int, attempts: int) -> str:
    delivery = sending.delivery_attempt(delivery_id=delivery_id, attempts=attempts)
    return delivery.status if delivery is not None else "skipped"


def retries_enqueue(*, limit: int = 500) -> int:
    """Hand the deliveries whose retry is due to the task workers (the scheduler runs it
    every minute). Safe concurrently: a delivery handed over is leased, each attempt claimed
    once."""
    due = sending.due_deliveries(limit=limit)
    for delivery_id, attempts in due:
        delivery_send.enqueue(delivery_id, attempts)
    if due:
        logger.info("webhook retries enqueued", extra={"count": len(due)})
    return len(due)
