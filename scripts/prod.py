"""`make prod`: the whole production stack on one machine, against the local PostgreSQL and
Redis — gunicorn with several worker processes and task workers (django-tasks-db), after the
migrations and the static files. Ctrl-C (or SIGTERM) stops everything.

Environment (defaults in brackets): DATABASE_URL [postgres://postgres@127.0.0.1:5432/essaim],
REDIS_URL [redis://127.0.0.1:6379/0], PORT [8000], GUNICORN_WORKERS [2 × cores + 1],
TASK_WORKERS [2], SECRET_KEY [kept in var/secret_key]. It serves plain HTTP on loopback; for a
public address, put it behind the reverse proxy of the README.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def environment() -> dict[str, str]:
    key_file = ROOT / "var" / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    port = os.environ.get("PORT", "8000")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/essaim",
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECRET_KEY": key_file.read_text().strip(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    env.update({k: v for k, v in os.environ.items() if k in env or k.startswith("GUNICORN_")})
    return {**os.environ, **env}


def ensure_database(env: dict[str, str]) -> None:
    """Create the database on first start."""
    import psycopg
    from psycopg import sql

    url = urlparse(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


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
