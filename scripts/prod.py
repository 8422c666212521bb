"""`make prod`: the whole production stack on one machine, against the local PostgreSQL and
Redis — gunicorn with several worker processes and task workers (django-tasks-db), after the
migrations and the static files. Ctrl-C (or SIGTERM) stops everything.

Environment (defaults in brackets): DATABASE_URL [postgres://postgres@127.0.0.1:5432/essaim],
REDIS_URL [redis://127.0.0.1:6379/0], PORT [8000], GUNICORN_WORKERS [2 × cores + 1],
TASK_WORKERS [2], SECRET_KEY [kept in var/secret_key]. It serves plain HTTP on loopback; for a
public address, put it behind the reverse proxy of the README.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.local_stack import ensure_database, environment  # noqa: E402

PYTHON = sys.executable
# What cron runs every minute on a deployment (README): here the stack runs it itself. Each is
# safe to run concurrently and often; one still running is not started again.
EVERY_MINUTE = [
    ["requeue_stale_tasks"],
    ["webhooks_retry"],
    ["notifications_tick"],
]
SWEEP_SECONDS = 60


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def main() -> None:
    env = environment()
    ensure_database(env)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    children = [
        subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"],
            cwd=ROOT,
            env=env,
        )
    ]
    for _n in range(int(os.environ.get("TASK_WORKERS", "2"))):
        children.append(subprocess.Popen([PYTHON, "manage.py", "db_worker"], cwd=ROOT, env=env))
    print(f"Essaim (production mode) on {env['SITE_URL']} — Ctrl-C to stop", flush=True)

    def stop(_signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 25
        for child in children:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sweeps: dict[str, subprocess.Popen[bytes]] = {}
    next_sweep = time.monotonic() + SWEEP_SECONDS
    while True:
        if time.monotonic() >= next_sweep:
            next_sweep += SWEEP_SECONDS
            for command in EVERY_MINUTE:
                running = sweeps.get(command[0])
                if running is None or running.poll() is not None:
                    sweeps[command[0]] = subprocess.Popen(
                        [PYTHON, "manage.py", *command], cwd=ROOT, env=env
                    )
        for child in children:
            if child.poll() is not None:
                print(
                    f"a process stopped (exit {child.returncode}); stopping the stack", flush=True
                )
                stop(signal.SIGTERM, None)
        time.sleep(1)


if __name__ == "__main__":
    main()
