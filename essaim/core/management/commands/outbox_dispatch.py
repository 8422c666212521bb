"""python manage.py outbox_dispatch: take the outbox's due messages once (`essaim.core.outbox`).
The scheduler runs it every few seconds; this command is for cron, by hand, or a machine
without task workers (`--here` sends in this process)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from essaim.core.outbox import DISPATCH_LIMIT, dispatch


class Command(BaseCommand):
    help = "Claim the outbox messages that are due and send them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=DISPATCH_LIMIT, help="at most this many messages"
        )
        parser.add_argument(
            "--here",
            action="store_true",
            help="send in this process rather than through the task workers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = dispatch(limit=options["limit"], here=options["here"])
        self.stdout.write(f"{count} outbox message(s) claimed")
