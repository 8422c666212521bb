"""Faults under load, on loopback, bounded in count and time:

- an app server process killed with SIGKILL in the middle of a signing load: after clients
  retry, no acknowledged signature is lost and none doubled;
- PostgreSQL restarted in the middle of a load: clear 503s, the app recovers by itself, nothing
  acknowledged is lost;
- a settle killed with SIGKILL in the middle of its batch (rows claimed, tallies moved,
  supporters written, not committed): the next settle counts every signature once, records
  every supporter once, and no milestone twice;
- a task a killed worker left running runs again, with no duplicated effect (the state such a
  kill leaves, rerun by a real worker); an outbox sender killed with SIGKILL in the middle of
  sending a batch of digests to a mail server: once its lease runs out, the rerun sends the
  rest, each e-mail accepted once;
- Redis killed in the middle of a load (a Redis of the test's own): pages still render,
  one-click actions go through (write limits let them), no 500, and once Redis is back the
  limits count again.

The 503 page itself and a Redis that never answered: tests/test_production.py."""

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connections
from django.middleware.csrf import _get_new_csrf_string
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Milestone, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.settle import settle_due, signatures_settle
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core.models import OutboxMessage
from essaim.notifications import emails, services
from essaim.notifications.milestones import notify_milestone
from essaim.notifications.models import Delivery, Frequency, Notification
from essaim.relay.models import Lineage, Supporter
from essaim.relay.services import link_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    port: int, workers: int, *, redis_url: str | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """The app under gunicorn on `port`; its log (one JSON object per line) goes to `log`
    when given, so a failing test can say what the servers logged."""
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        # This worker's own Redis database (config/settings/test.py), or the one asked for.
        "REDIS_URL": redis_url
        if redis_url is not None
        else (str(settings.CACHES["default"]["LOCATION"]) if settings.REDIS_URL else ""),
        "RATE_LIMITS": '{"address": []}',
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        **({"LOG_FORMAT": "json"} if log is not None else {}),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # The servers are no pytest-xdist worker: inheriting its name, their test settings moved
    # the cache to another Redis database than REDIS_URL says (gw1: /0 became /1), so a test
    # reading that Redis found nothing whenever it ran in a worker other than gw0.
    env.pop("PYTEST_XDIST_WORKER", None)
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
        stderr=log.open("ab") if log is not None else None,
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


def logged_in(count: int) -> list[tuple[int, str, str]]:
    """`count` supporters with a session and a CSRF token, as after logging in."""
    credentials = []
    for person in UserFactory.create_batch(count):
        session = SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        credentials.append((person.pk, str(session.session_key), _get_new_csrf_string()))
    return credentials


def sign(port: int, slug: str, session: str, token: str) -> tuple[int, bytes]:
    """One click on "sign"; (0, b"") when the connection fails or the answer is cut."""
    try:
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
        answer = connection.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException):
        # A refused connection, or an answer cut short by the killed worker
        # (IncompleteRead is no OSError): the person saw nothing and clicks again.
        return 0, b""


@dataclass
class Load:
    """Supporters signing from several threads, each retrying until acknowledged (as a person
    clicking again would)."""

    acknowledged: set[int] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)
    failures: list[bytes] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, port: int, slug: str, credentials: list[Any], *, threads: int) -> None:
        def supporter(batch: list[tuple[int, str, str]]) -> None:
            for pk, session, token in batch:
                for _attempt in range(200):
                    status, body = sign(port, slug, session, token)
                    with self.lock:
                        self.statuses.append(status)
                        if status >= 500:
                            self.failures.append(body)
                        if 200 <= status < 400:
                            self.acknowledged.add(pk)
                            break
                    time.sleep(0.05)

        self.threads = [
            threading.Thread(target=supporter, args=(credentials[i::threads],))
            for i in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def wait_for(self, acknowledged: int) -> None:
        deadline = time.monotonic() + 20
        while len(self.acknowledged) < acknowledged and time.monotonic() < deadline:
            time.sleep(0.02)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=180)


def assert_nothing_lost_nor_doubled(pledge: Any, load: Load, credentials: list[Any]) -> None:
    assert load.acknowledged == {pk for pk, _s, _t in credentials}, "everyone got through"
    signed = list(Signature.objects.filter(pledge=pledge).values_list("user_id", flat=True))
    assert set(signed) == load.acknowledged  # nothing acknowledged is lost
    assert len(signed) == len(set(signed))  # nothing doubled by the retries


def test_killing_an_app_server_process_mid_load_loses_and_doubles_nothing():
    pledge = PledgeFactory.create()
    credentials = logged_in(240)
    port = free_port()
    server = start_server(port, workers=3)
    load = Load()
    try:
        load.start(port, pledge.campaign.slug, credentials, threads=8)
        load.wait_for(40)
        # Mid-load: a worker dies without a chance to finish what it was doing.
        victims = workers_of(server.pid)
        assert victims, "no worker to kill"
        os.kill(victims[0], signal.SIGKILL)
        load.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert_nothing_lost_nor_doubled(pledge, load, credentials)


SETTLE_AND_HANG = """
import sys, time
import django
django.setup()
from pathlib import Path
from essaim.campaigns.events import SIGNATURES_SETTLED
from essaim.campaigns.services.settle import signatures_settle

def hang(**payload):
    # Past the tallies, the milestones and relay's supporters, before the commit.
    # Written aside then renamed: the test polls for the file and must never read it empty.
    Path(sys.argv[1] + ".part").write_text(str(len(payload["signatures"])))
    Path(sys.argv[1] + ".part").rename(sys.argv[1])
    time.sleep(120)

SIGNATURES_SETTLED.subscribe(hang)
signatures_settle()
"""


def test_a_settle_killed_mid_batch_leaves_it_whole_to_the_next_one(tmp_path, settings):
    settings.CAMPAIGNS_SETTLE_INLINE = False  # as in production: requests only write
    pledge = PledgeFactory.create(goal_ladder="10, 20")
    relay = UserFactory.create()
    pledge_sign(user=relay, pledge=pledge)
    settle_due()
    code = link_for(user=relay, campaign=pledge.campaign).code
    crowd = UserFactory.create_batch(30)
    for number, person in enumerate(crowd):
        pledge_sign(user=person, pledge=pledge, via=code if number % 2 else "")

    marker = tmp_path / "mid-settle"
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "CAMPAIGNS_SETTLE_INLINE": "0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    settler = subprocess.Popen(
        [sys.executable, "-c", SETTLE_AND_HANG, str(marker)], cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert settler.poll() is None, "the settle stopped before its batch"
            assert time.monotonic() < deadline, "the settle never reached its batch"
            time.sleep(0.1)
        assert marker.read_text() == "30"
        # Another settle meanwhile skips the rows the first one holds, rather than waiting.
        assert signatures_settle() == 0
        assert signature_count(pledge) == 1
        settler.send_signal(signal.SIGKILL)
        settler.wait(timeout=10)
    finally:
        if settler.poll() is None:
            settler.kill()
            settler.wait(timeout=10)

    # PostgreSQL rolls the dead connection's transaction back; its rows are free once it
    # notices the connection is gone.
    deadline = time.monotonic() + 30
    settled = 0
    while settled < 30 and time.monotonic() < deadline:
        settled += settle_due()
        time.sleep(0.1)
    assert settled == 30
    assert settle_due() == 0
    assert signature_count(pledge) == 31 == Signature.objects.filter(pledge=pledge).count()
    supporters = Supporter.objects.filter(campaign=pledge.campaign)
    assert supporters.count() == 31
    assert supporters.filter(referrer=relay).count() == 15
    assert Lineage.objects.filter(campaign=pledge.campaign).count() == 15
    assert sorted(
        Milestone.objects.filter(campaign=pledge.campaign).values_list("threshold", flat=True)
    ) == [10, 20]


def test_a_task_a_killed_worker_left_running_runs_again_with_no_duplicated_effect(tmp_path):
    host = UserFactory.create(email="hote@exemple.test", language="fr")
    campaign = CampaignFactory.create(created_by=host, title="Fontaines")
    milestone = Milestone.objects.create(campaign=campaign, kind="signatures", threshold=10)
    # What a worker killed with SIGKILL in the middle of a task leaves in the queue: the task
    # claimed, started long ago, never finished.
    queued = notify_milestone.using(backend="database").enqueue(milestone.pk)
    DBTaskResult.objects.filter(pk=queued.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        worker_ids=["killed-worker"],
    )
    outbox = tmp_path / "outbox"
    outbox.mkdir()

    def worker() -> None:
        database = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(outbox),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        subprocess.run(
            [sys.executable, "manage.py", "db_worker", "--backend", "database", "--batch"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=120,
        )

    def mails() -> list[str]:
        return [path.read_text() for path in sorted(outbox.iterdir())]

    worker()  # the task is RUNNING: no worker takes it
    assert mails() == []
    out = StringIO()
    call_command("requeue_stale_tasks", "--older-than", "60", stdout=out)
    assert out.getvalue().startswith("1 ")
    worker()
    sent = mails()
    assert len(sent) == 1 and "hote@exemple.test" in sent[0] and "Fontaines" in sent[0]
    milestone.refresh_from_db()
    assert milestone.notified_at is not None
    assert DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.SUCCESSFUL
    # The same task delivered once more (a second rerun): nothing is sent twice.
    notify_milestone.using(backend="database").enqueue(milestone.pk)
    worker()
    assert len(mails()) == 1


class SlowMailServer:
    """A mail server on loopback (the outside world, faked): it answers SMTP, and holds its
    "accepted" answer to the `hold_at`-th message until the test lets it go, so the test can
    kill the sender while it waits. A message counts as delivered once accepted; one whose
    sender died before the answer was never accepted."""

    def __init__(self, hold_at: int) -> None:
        self.hold_at = hold_at
        self.accepted: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        stream = connection.makefile("rwb")
        try:
            stream.write(b"220 sink\r\n")
            stream.flush()
            while line := stream.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    stream.write(b"354 go\r\n")
                    stream.flush()
                    data = b"".join(iter(lambda: stream.readline(), b".\r\n"))
                    recipient = next(
                        row.split(b":", 1)[1].strip().decode()
                        for row in data.split(b"\r\n")
                        if row.lower().startswith(b"to:")
                    )
                    self.received += 1
                    if self.received == self.hold_at:
                        self.holding.set()
                        self.release.wait(30)
                        return  # the sender is gone: this one was never accepted
                    self.accepted.append(recipient)
                    stream.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    stream.write(b"221 bye\r\n")
                    stream.flush()
                    return
                else:  # EHLO, MAIL, RCPT, RSET, NOOP
                    stream.write(b"250 ok\r\n")
                stream.flush()
        except OSError:
            return
        finally:
            connection.close()

    def close(self) -> None:
        self.listener.close()


def test_a_sender_killed_while_sending_digests_leaves_the_rest_to_the_rerun_each_sent_once():
    yesterday = timezone.localdate() - timedelta(days=1)
    noon = timezone.make_aware(datetime.combine(yesterday, datetime.min.time())) + timedelta(
        hours=12
    )
    people = UserFactory.create_batch(12)
    for number, person in enumerate(people):
        told = services.notify(
            user=person,
            kind=Notification.Kind.RELAY_MILESTONE,  # a daily digest by default
            key=f"relay:{number}",
            params={"campaign": "Fontaines", "count": 5},
            url="/campaigns/fontaines/",
        )
        assert told is not None
        Notification.objects.filter(pk=told.pk).update(created_at=noon)
    ids = emails.digests_plan(emails.digest_period(Frequency.DAILY, yesterday))
    assert len(ids) == 12
    mail_server = SlowMailServer(hold_at=5)
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_server.port),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # The outbox's dispatch, sending in its own process (as a task worker would).
    command = [sys.executable, "manage.py", "outbox_dispatch", "--here"]
    messages = OutboxMessage.objects.filter(
        pk__in=Delivery.objects.filter(pk__in=ids).values("message_id")
    )
    try:
        sender = subprocess.Popen(command, cwd=ROOT, env=env)
        assert mail_server.holding.wait(60), "the sender never reached the fifth e-mail"
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
        mail_server.release.set()
        assert len(mail_server.accepted) == 4
        # What the kill leaves: four sent, the rest leased to the dead sender.
        assert sorted(messages.values_list("state", flat=True)) == ["sending"] * 8 + ["sent"] * 4
        subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)
        assert len(mail_server.accepted) == 4  # not before the lease runs out
        # Time passes: the dead sender's lease runs out.
        messages.filter(state="sending").update(lease_until=timezone.now())
        subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)
    finally:
        mail_server.close()
    assert sorted(mail_server.accepted) == sorted(person.email for person in people)
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        Delivery.Status.SENT
    }
    assert set(messages.values_list("state", flat=True)) == {"sent"}


def restart_postgres() -> None:
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.exclusive
def test_postgresql_restarted_mid_load_gives_clear_503s_recovers_and_loses_nothing():
    pledge = PledgeFactory.create()
    credentials = logged_in(200)
    port = free_port()
    server = start_server(port, workers=2)
    load = Load()
    try:
        load.start(port, pledge.campaign.slug, credentials, threads=6)
        load.wait_for(30)
        restart_postgres()
        load.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        connections.close_all()  # this process's own connection died with the restart
    assert {status for status in load.statuses if status >= 500} <= {503}
    assert all(b"Traceback" not in body for body in load.failures)
    assert_nothing_lost_nor_doubled(pledge, load, credentials)


def start_redis(port: int) -> subprocess.Popen[bytes]:
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ping = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
        )
        if ping.stdout.strip() == "PONG":
            return redis
        time.sleep(0.1)
    redis.kill()
    raise AssertionError("the test's Redis did not start")


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException):
        return 0, b""


def test_redis_killed_mid_load_pages_render_actions_go_through_and_limits_come_back(
    tmp_path: Path,
):
    pledge = PledgeFactory.create()
    page = pledge.campaign.get_absolute_url()
    credentials = logged_in(150)
    redis_port, port = free_port(), free_port()
    redis = start_redis(redis_port)
    log = tmp_path / "server.log"
    server = start_server(port, workers=2, redis_url=f"redis://127.0.0.1:{redis_port}/0", log=log)
    load = Load()
    pages: list[int] = []
    try:
        assert get(port, page)[0] == 200
        load.start(port, pledge.campaign.slug, credentials, threads=4)
        load.wait_for(30)
        redis.kill()  # SIGKILL: connections drop, nothing answers any more
        redis.wait(timeout=10)
        before_outage = len(load.acknowledged)
        # Past the app servers' own 2-second copies: the page must come from the database.
        outage_ends = time.monotonic() + 4
        while time.monotonic() < outage_ends:
            pages.append(get(port, page)[0])
        load.join()
        redis = start_redis(redis_port)
        restarted_at = log.stat().st_size
        # The app servers reconnect on their next use of the cache: repeat signatures (an
        # idempotent write), each by another person so no one's own limit is reached, until
        # one is counted, for at most 15 seconds.
        reconnect_ends = time.monotonic() + 15
        counters: list[str] = []
        statuses_after: list[int] = []
        signers = itertools.cycle(credentials)
        while not counters and time.monotonic() < reconnect_ends:
            status, body = sign(port, pledge.campaign.slug, *next(signers)[1:])
            statuses_after.append(status)
            counters = subprocess.run(
                ["redis-cli", "-p", str(redis_port), "--scan", "--pattern", "*rl:account:*"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            time.sleep(0.1)
        keys = subprocess.run(
            ["redis-cli", "-p", str(redis_port), "--scan"], capture_output=True, text=True
        ).stdout.split()
    finally:
        server.terminate()
        server.wait(timeout=30)
        redis.kill()
        redis.wait(timeout=10)
    assert pages and set(pages) == {200}
    assert before_outage < len(credentials), "signing went on while Redis was down"
    assert all(status < 500 for status in load.statuses)
    assert_nothing_lost_nor_doubled(pledge, load, credentials)
    # Redis back: the write limits count again (the repeat signature was counted).
    with log.open("rb") as lines:
        lines.seek(restarted_at)
        logged = list(dict.fromkeys(line.decode(errors="replace")[:2000] for line in lines))[-8:]
    assert status == 200 and counters, (
        f"answers after Redis came back: {statuses_after}; the last one: {body[:300]!r}; "
        f"keys in the restarted Redis: {sorted(keys)[:20]}; logged since: {logged}"
    )
