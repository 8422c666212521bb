"""python manage.py notifications_tick: run every minute (cron, or `make prod` does it).

django-tasks has no periodic scheduler: this queues the reminders and digests that are due,
each (job, slot) once however often it runs, and queues again a run whose task was lost. The
work itself goes to the task workers; the e-mails leave through the outbox (`outbox_dispatch`).
"""

from typing import Any

from django.core.management.base import BaseCommand

from essaim.notifications.scheduling import tick


class Command(BaseCommand):
    help = "Queue the due notification reminders and digests (run it every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = tick()
        self.stdout.write(f"{counts['runs']} run(s) queued, {counts['lost']} of them again")
