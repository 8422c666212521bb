"""python manage.py requeue_stale_tasks: give another worker the tasks of a worker that died
(`essaim.core.taskqueue`). The scheduler runs it every minute; this command is for cron or by
hand."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from essaim.core.taskqueue import requeue_stale_tasks


class Command(BaseCommand):
    help = "Make tasks left RUNNING by a dead worker ready again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=900,
            help="seconds a task may run before its worker is presumed dead (default 900)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = requeue_stale_tasks(older_than=timedelta(seconds=options["older_than"]))
        self.stdout.write(f"{count} stale task(s) made ready again")
