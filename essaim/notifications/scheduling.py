"""Periodic work without a periodic scheduler: `notifications_tick` (every minute) records each
due run once per (job, slot) and queues it; a run is idempotent, so one queued twice (the
tick's own retry of a lost run, a requeued task) does nothing more."""

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

# Module imports: tasks → this module → reminders → services.
from essaim.notifications import emails, reminders, tasks
from essaim.notifications.models import Frequency, ScheduledRun

logger = logging.getLogger(__name__)

DIGEST_HOUR = 7  # digests leave at 07:00, local time, for the day or week before
CHALLENGE_PROMPT_HOURS = range(9, 21)  # prompts go out from 09:00; later runs catch late days
LOST_AFTER = timedelta(minutes=15)  # a run queued this long ago and unfinished is queued again
KEEP_RUNS = timedelta(days=30)
# How far back the aid board's matches look at most, however long the workers were down: an
# older request is not news any more.
AID_MAX_LOOKBACK = timedelta(days=2)


def _floor(moment: datetime, minutes: int) -> str:
    local = timezone.localtime(moment)
    return local.replace(
        minute=local.minute - local.minute % minutes, second=0, microsecond=0
    ).strftime("%Y-%m-%dT%H:%M")


def due_runs(now: datetime) -> list[tuple[str, str]]:
    """(job, slot) pairs due at `now`: a slot names the run, so the tick of every minute
    creates each run once."""
    local = timezone.localtime(now)
    today = local.date()
    runs = [
        ("event_reminders", _floor(now, 5)),
        ("aid_matches", _floor(now, 10)),
        ("fundraisers", _floor(now, 60)),
    ]
    if local.hour in CHALLENGE_PROMPT_HOURS:
        runs.append(("challenge_prompts", _floor(now, 60)))
    digests_out = local.hour >= DIGEST_HOUR
    runs.append(("daily_digest", (today - timedelta(days=1 if digests_out else 2)).isoformat()))
    monday = today - timedelta(days=today.weekday())
    weekly_out = today > monday or digests_out
    runs.append(("weekly_digest", (monday - timedelta(days=7 if weekly_out else 14)).isoformat()))
    return runs


def tick(now: datetime | None = None) -> dict[str, int]:
    """Queue the due runs not yet queued, and again those lost. (E-mails whose send was lost
    or whose backoff is over are the outbox's: its `outbox_dispatch` job.)"""
    now = now or timezone.now()
    queued: list[int] = []
    for job, slot in due_runs(now):
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job, slot=slot, enqueued_at=now)
        except IntegrityError:  # queued by an earlier tick (or a concurrent one)
            continue
        queued.append(run.pk)
    lost = list(
        ScheduledRun.objects.filter(
            finished_at__isnull=True, enqueued_at__lt=now - LOST_AFTER
        ).values_list("pk", "enqueued_at")
    )
    for pk, enqueued_at in lost:
        # Conditional: of two concurrent ticks, one queues it again.
        if ScheduledRun.objects.filter(pk=pk, enqueued_at=enqueued_at).update(enqueued_at=now):
            queued.append(pk)
    for pk in queued:
        transaction.on_commit(partial(tasks.run_scheduled.enqueue, pk))
    ScheduledRun.objects.filter(finished_at__lt=now - KEEP_RUNS).delete()
    counts = {"runs": len(queued), "lost": len(lost)}
    if queued:
        logger.info("notifications tick", extra=counts)
    return counts


def _digest(frequency: str, slot: str) -> list[int]:
    return emails.digests_plan(emails.digest_period(frequency, date.fromisoformat(slot)))


def _slot_time(slot: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(slot))


def aid_window_start(scheduled: ScheduledRun) -> datetime:
    """Where this aid-match run starts looking: its own slot (not the moment it runs, which
    may be hours late) or the end of the last completed run, whichever is earlier, less the
    window that also covers a request committed a while after it was written. Overlaps cost
    nothing: each match is told once (its notification key)."""
    slot = _slot_time(scheduled.slot)
    last = (
        ScheduledRun.objects.filter(job=scheduled.job, finished_at__isnull=False)
        .exclude(pk=scheduled.pk)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    start = slot if last is None else min(slot, last)
    return max(start - reminders.AID_WINDOW, slot - AID_MAX_LOOKBACK)


JOBS: dict[str, Callable[[ScheduledRun, datetime], list[int]]] = {
    "event_reminders": lambda scheduled, now: reminders.event_reminders(now),
    "aid_matches": lambda scheduled, now: reminders.aid_matches(since=aid_window_start(scheduled)),
    "fundraisers": lambda scheduled, now: reminders.fundraisers_near_goal(now),
    "challenge_prompts": lambda scheduled, now: reminders.challenge_prompts(
        date.fromisoformat(scheduled.slot[:10])
    ),
    "daily_digest": lambda scheduled, now: _digest(Frequency.DAILY, scheduled.slot),
    "weekly_digest": lambda scheduled, now: _digest(Frequency.WEEKLY, scheduled.slot),
}


def run(run_id: int) -> int:
    """Do one run and queue its e-mails in batches; returns how many e-mails it queued. A
    run already finished does nothing; one that died midway is done again (its work is
    idempotent) when the tick queues it again."""
    scheduled = ScheduledRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if scheduled is None or scheduled.job not in JOBS:
        return 0
    now = timezone.now()
    deliveries = JOBS[scheduled.job](scheduled, now)
    with transaction.atomic():
        emails.send_soon(deliveries)
        ScheduledRun.objects.filter(pk=run_id).update(
            finished_at=timezone.now(), result=len(deliveries)
        )
    logger.info(
        "notifications run",
        extra={"job": scheduled.job, "slot": scheduled.slot, "emails": len(deliveries)},
    )
    return len(deliveries)
