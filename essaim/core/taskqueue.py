"""The task queue's own upkeep."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# A task running this long is presumed orphaned by a dead worker.
STALE_AFTER = timedelta(minutes=15)


def requeue_stale_tasks(*, older_than: timedelta = STALE_AFTER) -> int:
    """django-tasks-db marks a task RUNNING when a worker claims it; a worker killed mid-task
    (OOM, SIGKILL, a machine lost) leaves it RUNNING for ever. Make such tasks ready again:
    every task of Essaim is idempotent, so a rerun has no duplicated effect."""
    cutoff = timezone.now() - older_than
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    count = stale.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("requeued stale tasks", extra={"count": count})
    return count
