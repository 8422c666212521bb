"""Faults under load, on loopback, bounded in count and time: an app server process killed in
the middle of a signing load loses no acknowledged signature and doubles none once clients
retry. (Redis down and a database outage: tests/test_production.py.)"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Signature
from essaim.campaigns.tests.factories import PledgeFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "RATE_LIMITS": '{"address": []}',
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("the app server did not start")


def workers_of(master: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def sign(port: int, slug: str, session: str, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST",
        f"/campaigns/{slug}/sign/",
        body="",
        headers={
            "Cookie": f"sessionid={session}; csrftoken={token}",
            "X-CSRFToken": token,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    return connection.getresponse().status


def test_killing_an_app_server_process_mid_load_loses_and_doubles_nothing():
    pledge = PledgeFactory.create()
    slug = pledge.campaign.slug
    people = UserFactory.create_batch(240)
    credentials = []
    for person in people:
        session = SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        credentials.append((person.pk, session.session_key, _get_new_csrf_string()))
    port = free_port()
    server = start_server(port, workers=3)
    acknowledged: set[int] = set()
    retried = [0]
    lock = threading.Lock()

    def supporter(batch: list[tuple[int, str, str]]) -> None:
        for pk, session, token in batch:
            for _attempt in range(20):
                try:
                    status = sign(port, slug, session, token)
                except OSError:
                    status = 0
                if 200 <= status < 400:
                    with lock:
                        acknowledged.add(pk)
                    break
                with lock:
                    retried[0] += 1
                time.sleep(0.05)  # a retry after a failure, as a browser's user would

    threads = [threading.Thread(target=supporter, args=(credentials[i::8],)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        # Mid-load: a worker dies without a chance to finish what it was doing.
        deadline = time.monotonic() + 20
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        victims = workers_of(server.pid)
        assert victims, "no worker to kill"
        os.kill(victims[0], signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=30)
    signed = list(Signature.objects.filter(pledge=pledge).values_list("user_id", flat=True))
    assert acknowledged == {pk for pk, _s, _t in credentials}, "every supporter got through"
    assert set(signed) == acknowledged  # nothing acknowledged is lost
    assert len(signed) == len(set(signed))  # nothing doubled by the retries
