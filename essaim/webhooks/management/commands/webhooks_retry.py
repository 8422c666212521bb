"""python manage.py webhooks_retry: hand the webhook deliveries whose retry is due to the task
workers. Run it every minute (cron; `make prod` does it). Safe to run concurrently and often:
a delivery handed over is leased for a few minutes, and each attempt is claimed once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from essaim.webhooks.tasks import retries_enqueue


class Command(BaseCommand):
    help = "Enqueue the webhook deliveries whose next attempt is due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many per run")

    def handle(self, *args: Any, **options: Any) -> None:
        count = retries_enqueue(limit=options["limit"])
        self.stdout.write(f"{count} webhook deliveries enqueued")
