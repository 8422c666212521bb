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
    # The periodic jobs (essaim.core.scheduler): settling, retries, reminders, stale tasks.
    children.append(subprocess.Popen([PYTHON, "manage.py", "scheduler"], cwd=ROOT, env=env))
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
    while True:
        for child in children:
            if child.poll() is not None:
                print(
                    f"a process stopped (exit {child.returncode}); stopping the stack", flush=True
                )
                stop(signal.SIGTERM, None)
        time.sleep(1)


if __name__ == "__main__":
    main()
