"""`make demo` (after the migrations and the demo content): the web server, a task worker and
the scheduler side by side, so reminders, digests and every e-mail happen as in production.
E-mails are kept under var/mail (essaim.core.mailbox) and read by staff at /staff/emails/.
Ctrl-C (or SIGTERM) stops all three; if one stops, the others are stopped too.

Environment (defaults in brackets): HOST [127.0.0.1], PORT [8000], EMAIL_BACKEND [the
mailbox], MAILBOX_DIR [var/mail], and anything the settings read (DATABASE_URL...).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_SECONDS = 15
# The task worker: it looks at the queue 4 times a second when idle (the default, once a
# second, alone made the reach planner's answer wait up to a second before it even started).
WORKER = ("db_worker", "--interval", "0.25")


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PORT", "8000")
    # The worker runs what the web server and the scheduler queue in the database.
    env.setdefault("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    env.setdefault("EMAIL_BACKEND", "essaim.core.mailbox.MailboxBackend")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start(env: dict[str, str], *arguments: str) -> subprocess.Popen[bytes]:
    # A session of its own: stopping it stops what it started too (runserver's reloader).
    return subprocess.Popen(
        [PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, start_new_session=True
    )


def stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main() -> None:
    env = environment()
    address = f"{env.get('HOST', '127.0.0.1')}:{env['PORT']}"
    children = [
        start(env, "runserver", address),
        start(env, *WORKER),
        start(env, "scheduler"),
    ]
    print(
        f"Essaim demo on http://{address}/ with a task worker and the scheduler; "
        f"e-mails at http://{address}/staff/emails/ (staff) — Ctrl-C to stop",
        flush=True,
    )

    def stop(_signum: int, _frame: object) -> None:
        stop_all(children)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        for child in children:
            if child.poll() is not None:
                print(f"a process stopped (exit {child.returncode}); stopping the demo", flush=True)
                stop_all(children)
                sys.exit(1)
        time.sleep(1)


if __name__ == "__main__":
    main()
