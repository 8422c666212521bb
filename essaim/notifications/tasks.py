"""Background work of the notifications: idempotent, given ids only."""

from django_tasks import task

# Module imports: tasks → scheduling → reminders → services.
from essaim.notifications import scheduling


@task()
def run_scheduled(run_id: int) -> int:
    """One run of periodic work that `notifications_tick` recorded (scheduling)."""
    return scheduling.run(run_id)
