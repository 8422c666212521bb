"""Background work of the notifications: idempotent, given ids only."""

from django_tasks import task

# Module imports: services → tasks → scheduling → reminders → services.
from essaim.notifications import outbox, scheduling


@task()
def send_deliveries(delivery_ids: list[int]) -> int:
    """Send these outbox rows, each exactly once however often this runs (outbox)."""
    return outbox.deliveries_send(delivery_ids)


@task()
def run_scheduled(run_id: int) -> int:
    """One run of periodic work that `notifications_tick` recorded (scheduling)."""
    return scheduling.run(run_id)
