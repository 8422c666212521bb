"""python manage.py scheduler: run the periodic jobs the domains registered
(`essaim.core.scheduler`), in one process beside the task workers, until stopped (SIGTERM or
Ctrl-C end it between two jobs). `--once` runs every job once and exits (cron, tests)."""

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from essaim.core.scheduler import Schedule, jobs, run_once

# The longest the loop sleeps: a stop request is heard within this.
TICK_SECONDS = 0.5


class Command(BaseCommand):
    help = "Run the registered periodic jobs (settling, outbox, reminders, stale tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument(
            "--seconds", type=float, default=0, help="stop after this many seconds (0: never)"
        )
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        registered = jobs()
        if options["list"]:
            for job in registered:
                self.stdout.write(f"{job.name}\tevery {job.every:g} s")
            return
        if options["once"]:
            failed = [job.name for job in registered if not run_once(job)]
            self.stdout.write(f"{len(registered)} job(s) run, {len(failed)} failed")
            return
        stopping = False

        def stop(_signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        started = time.monotonic()
        schedule = Schedule(registered, now=started)
        self.stdout.write(f"scheduler: {', '.join(job.name for job in registered)}")
        while not stopping:
            now = time.monotonic()
            if options["seconds"] and now - started >= options["seconds"]:
                break
            # Connections renewed around the jobs, as around a request: one broken by a
            # database restart is not reused for ever, nor kept past CONN_MAX_AGE.
            close_old_connections()
            schedule.run_due(now)
            close_old_connections()
            time.sleep(min(TICK_SECONDS, schedule.seconds_to_next(time.monotonic())))
