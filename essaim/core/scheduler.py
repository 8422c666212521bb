"""Periodic jobs: what a deployment must run every few seconds or every minute (settling
actions, the outbox's due deliveries, tasks left behind by dead workers, reminders).

Domains register their jobs in `AppConfig.ready()`; `manage.py scheduler` runs them in one
long-lived process beside the task workers (`make demo` and `make prod` start it; no cron
needed, though `manage.py scheduler --once` from cron works too). A job does little itself:
it claims or queues work that the task workers do. Every job must be safe to run twice and
concurrently, because several schedulers may run on several machines against the same
database; the scheduler therefore takes no lock of its own.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between two starts
    run: Callable[[], object]


_jobs: dict[str, Job] = {}


def register(name: str, *, every: float, run: Callable[[], object]) -> None:
    """Add a periodic job; registering the same name again replaces it (app reloads)."""
    if every <= 0:
        raise ValueError("a job runs every so many seconds, more than zero")
    _jobs[name] = Job(name=name, every=every, run=run)


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


class Schedule:
    """When each job runs next, on a monotonic clock the caller passes in (tests pass their
    own). A job that overran its period runs once, not once per period missed."""

    def __init__(self, registered: list[Job], *, now: float) -> None:
        self.jobs = registered
        self.next_run = {job.name: now for job in registered}

    def run_due(self, now: float) -> list[str]:
        ran = []
        for job in self.jobs:
            if now < self.next_run[job.name]:
                continue
            run_once(job)
            ran.append(job.name)
            self.next_run[job.name] = now + job.every
        return ran

    def seconds_to_next(self, now: float) -> float:
        return max(0.0, min(self.next_run.values(), default=now + 1.0) - now)


def run_once(job: Job) -> bool:
    """Run `job`, logging its failure instead of stopping the others: a job that fails now
    (the database restarting, a bug in one domain) runs again at its next period."""
    try:
        job.run()
    except Exception:
        logger.exception("scheduled job failed", extra={"job": job.name})
        return False
    return True
