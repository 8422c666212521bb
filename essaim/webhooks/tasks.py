"""Background work of webhooks: given ids only, safe to run twice (see services/sending.py)."""

from django_tasks import task

from essaim.webhooks.payloads import event_of
from essaim.webhooks.services import sending


@task()
def event_deliver(event_type: str, object_id: int) -> int:
    """Fan an event out to its campaign's endpoints: one delivery each, which the outbox sends."""
    event = event_of(event_type, object_id)
    if event is None:
        return 0
    return sending.deliveries_create(event)
