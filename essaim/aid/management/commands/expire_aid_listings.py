from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from essaim.aid.tasks import expire_listings


class Command(BaseCommand):
    help = "Expire the mutual-aid listings whose expiry date has passed (run it from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the work to the background workers instead of doing it now",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = expire_listings.enqueue()
            self.stdout.write(f"Expiry task queued ({result.id}).")
            return
        count = expire_listings.call()
        self.stdout.write(f"{count} listing(s) expired.")
