"""python manage.py requeue_stale_tasks: give another worker the tasks of a worker that died.

django-tasks-db marks a task RUNNING when a worker claims it; a worker killed mid-task (OOM,
SIGKILL, a machine lost) leaves it RUNNING for ever. Run this every minute (cron, or
`make prod` does it): a task running for longer than --older-than seconds is made ready
again, and runs anew. Every task of Essaim is idempotent, so a rerun has no duplicated effect.
"""

import logging
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


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
        cutoff = timezone.now() - timedelta(seconds=options["older_than"])
        stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        count = stale.update(status=TaskResultStatus.READY, started_at=None)
        if count:
            logger.warning("requeued stale tasks", extra={"count": count})
        self.stdout.write(f"{count} stale task(s) made ready again")
