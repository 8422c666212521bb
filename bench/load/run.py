"""The viral-spike benchmark: the production stack on loopback (gunicorn workers against a
throw-away PostgreSQL database and Redis), warmed up, then loaded in phases side by side:

  1. a bare Django view on the same server and workers — the ceiling (wrk);
  2. the floor (`/floor`, on with BENCHMARK_FLOOR): a logged-in POST that reads the session
     and commits one bare row — the cost of durability, the least any one-click action costs;
  3. the campaign page, anonymous (wrk);
     these three interleaved in `--rounds` slices (bare, floor, page, bare, floor, page...),
     so that the machine's neighbours, whose load drifts, weigh on each alike;
  4. one-click signing by many distinct logged-in supporters, as fast as the server answers
     (wrk, closed loop: its throughput is the server's capacity);
  5. the floor, then one-click signing, offered at a fixed rate, `--rate` a second (open
     loop, bench/load/paced.py: latencies count from when each request was due, so a queue
     shows); the floor's latency at that rate says what the machine allows any action;
  6. a mixed load: 80 % page views, 15 % signatures, 5 % joining the challenge (wrk);
  7. strangers without an account: each arrives through one of the supporters' share links
     (`/r/<code>`, which keeps the code in their new session, then the campaign page, whose
     guest form holds the time it was shown) — unmeasured —, waits out the form's minimum
     time, then signs as a guest in one request (name, e-mail, consent, the honeypot left
     empty, as a browser sends the form): as fast as the server answers (wrk), then offered
     at `--guest-rate` a second (open loop, after the floor at that rate); the scheduler's
     settle queues their confirmation e-mails in the outbox, by the batch, a task worker then
     sends them to the guests' mailboxes (the console backend's output), and each guest POSTs
     the link of their e-mail, once;
  8. the bare view again, after the writes: shown, not used as the ceiling (PostgreSQL
     still flushing and vacuuming the writes weighs on it; the ratios to the bare view use
     the interleaved slices, measured beside the floor and the page).

Before measuring, `--warmup` seconds of each of the bare view, the floor and the page at full
concurrency, so that every gunicorn worker (not only the one or two that sequential requests
would reach) has served each path before the clock runs: the page's copy read from Redis (or
the page rendered, its templates compiled: about 0.1 s of CPU), a session read and a row
committed (its connections to PostgreSQL and Redis opened, its statements prepared).

A signature's request writes only its row; the scheduler (`manage.py scheduler`, as `make
prod` runs it) settles the rows every second into the count the pages show. It runs during
every phase, and a sampler reads meanwhile how far the shown count lags behind the rows (in
signatures, and the age of the oldest unsettled one).

It prints requests per second, p50/p95/p99 latency and errors, the CPU each request cost the
app server and PostgreSQL (`CpuMeter`), each phase against the bare view and against the floor,
the settle's lag (its maximum and at the end of the load), then stops the server (requests in
flight finish), lets the scheduler settle the rest, and counts every acknowledged signature and
challenge join (a 2xx) against the rows in PostgreSQL — lost and doubled must both be zero —
and the count shown against the rows once settled; likewise every acknowledged guest signature
and confirmation, the outbox's confirmation e-mails (one per guest signature) and the e-mails
the guests received (one each, none twice).

The write limits would measure themselves (one client address sends everything): the limits
per address and, for guests, per network are off (`RATE_LIMITS`); the limit per guest e-mail
address stays on, each stranger having an address of their own.

    .venv/bin/python bench/load/run.py                    # 20 s per phase
    .venv/bin/python bench/load/run.py --only page --rounds 4      # the page's ratio alone
    .venv/bin/python bench/load/run.py --seconds 5 --connections 8 --supporters 2000
    .venv/bin/python bench/load/run.py --only sign --only paced --rate 50
    .venv/bin/python bench/load/run.py --only guest --seconds 10

Needs wrk (apt-get install wrk), PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import email
import email.message
import email.policy
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
SCRIPT = Path(__file__).with_name("actions.lua")
sys.path.insert(0, str(Path(__file__).parent))

from paced import Answer, each_once, paced, percentile  # noqa: E402 - after the path is set

# Supporters whose share links bring the strangers.
SHARERS = 50
GUEST_DOMAIN = "guests.essaim.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


ADMIN_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_create(prefix: str) -> str:
    """A throw-away PostgreSQL database of this process: its name."""
    import psycopg

    name = f"{prefix}{os.getpid()}"
    with psycopg.connect(ADMIN_DATABASE, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"throw-away database: {name}", flush=True)
    return name


def database_drop(name: str) -> None:
    """Drop the throw-away database, this process's own connections closed first."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_DATABASE, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stack_environment(*, database: str, redis_database: int, site_url: str) -> dict[str, str]:
    """The production settings (config/local_stack.py) on the throw-away database and an
    emptied Redis database; set in os.environ too, for Django in this process."""
    from config.local_stack import environment

    env = {
        **environment(),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_database}",
        # One client address sends everything: the limits per address, and per network for
        # guests, would measure themselves. The one per guest e-mail address stays on (each
        # stranger has their own).
        "RATE_LIMITS": '{"address": [], "guest": []}',
        "LOG_LEVEL": "WARNING",
        "SITE_URL": site_url,
        "BENCHMARK_FLOOR": "true",
    }
    os.environ.update(env)
    subprocess.run(
        ["redis-cli", "-n", str(redis_database), "flushdb"], check=True, capture_output=True
    )
    return env


def static_collect(env: dict[str, str]) -> None:
    """The static files and their manifest, which the production settings' pages need."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


class CpuMeter:
    """CPU seconds spent so far by the app server (gunicorn's master and workers) and by the
    database's backends serving this benchmark's database: read around each phase, divided
    by its answers, they say what one request costs each side, whatever else the machine is
    doing (throughput and latency move with the neighbours; CPU per request much less)."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int, database_url: str, database: str) -> None:
        import psycopg

        self.server_pid = server_pid
        self.database = database
        self.connection = psycopg.connect(database_url, autocommit=True)

    @classmethod
    def _stat(cls, pid: int) -> tuple[int, float] | None:
        """(parent pid, CPU seconds) of a live process, None once it is gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # After the name: state, ppid, ... utime and stime are the 12th and 13th.
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / cls.TICKS

    def app_pids(self) -> list[int]:
        pids = [self.server_pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = self._stat(int(entry.name))
                if stat is not None and stat[0] == self.server_pid:
                    pids.append(int(entry.name))
        return pids

    def db_pids(self) -> list[int]:
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database],
        ).fetchall()
        return [pid for (pid,) in rows]

    def read(self) -> dict[int, float]:
        """CPU seconds by process, app server and database backends alike."""
        seconds = {}
        for pid in self.app_pids() + self.db_pids():
            stat = self._stat(pid)
            if stat is not None:
                seconds[pid] = stat[1]
        return seconds

    def spent(self, before: dict[int, float]) -> tuple[float, float]:
        """(app, database) CPU seconds since `before` (a process born meanwhile counts
        whole; one gone meanwhile is lost: gunicorn recycles a worker only every 10⁶
        requests, PostgreSQL keeps its connections a minute)."""
        after = self.read()
        app = set(self.app_pids())
        used = {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}
        return (
            sum(cpu for pid, cpu in used.items() if pid in app),
            sum(cpu for pid, cpu in used.items() if pid not in app),
        )

    def add(self, figures: dict[str, Any], before: dict[int, float]) -> dict[str, Any]:
        """A phase's figures with the CPU spent since `before`."""
        figures["app_cpu"], figures["db_cpu"] = self.spent(before)
        return figures

    def close(self) -> None:
        self.connection.close()


def wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the app server stopped while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the app server did not become ready")


def prepare(supporters: int, users_file: Path) -> tuple[str, list[str]]:
    """Migrate, and write the campaign and its would-be supporters with their sessions; the
    campaign's address and the codes of the share links of its first supporters."""
    import django

    django.setup()
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils import timezone

    from essaim.accounts.models import User
    from essaim.campaigns.models import Campaign, CampaignHost, Challenge, Pledge
    from essaim.relay.services import link_for

    call_command("migrate", verbosity=0)
    password = make_password(None)
    joined = timezone.now() - timedelta(days=60)
    User.objects.bulk_create(
        [
            User(
                email=f"load{i}@load.essaim.test",
                handle=f"load-{i}",
                display_name=f"Soutien {i}",
                password=password,
                date_joined=joined,
            )
            for i in range(supporters + 1)
        ],
        batch_size=5000,
    )
    people = list(User.objects.filter(email__endswith="@load.essaim.test").order_by("pk"))
    host = people.pop()
    campaign = Campaign.objects.create(
        slug="fontaines-partout",
        title="Des fontaines à eau dans chaque parc",
        summary="Une fontaine d'eau potable dans chaque parc public.",
        category=Campaign.Category.ENVIRONMENT,
        status=Campaign.Status.LIVE,
        created_by=host,
    )
    CampaignHost.objects.create(campaign=campaign, user=host, status="accepted")
    Pledge.objects.create(campaign=campaign, text="Je demande une fontaine par parc.")
    today = timezone.localdate()
    Challenge.objects.create(campaign=campaign, starts_on=today, ends_on=today + timedelta(days=29))
    # The production session engine (cached_db): a session created at log-in sits in Redis too.
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    lines = []
    for person in people:
        session = session_store()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        lines.append(f"{session.session_key} {_get_new_csrf_string()}")
    users_file.write_text("\n".join(lines) + "\n")
    codes = [link_for(user=person, campaign=campaign).code for person in people[:SHARERS]]
    return campaign.slug, codes


def wrk(
    url: str, *, seconds: int, connections: int, env: dict[str, str], lua: bool
) -> dict[str, Any]:
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if lua:
        command[1:1] = ["-s", str(SCRIPT)]
    else:
        # The same summary line for phases without the actions script.
        command[1:1] = ["-s", str(SCRIPT.with_name("summary.lua"))]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    line = next(row for row in result.stdout.splitlines() if row.startswith("RESULT"))
    requests, duration, socket_errors, status_errors, p50, p95, p99, acked = map(
        int, line.split()[1:]
    )
    return {
        "seconds": duration / 1e6,
        "rps": requests / (duration / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        # Answers other than 2xx/3xx, and connections that failed (a worker recycled by
        # gunicorn's max_requests closes its socket: wrk counts a read error).
        "errors": status_errors,
        "socket": socket_errors,
        "requests": requests,
        "acked": acked,
    }


def combined(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase measured in several slices: requests over the whole time; the latency
    percentiles are the slices' own, weighted by their requests."""
    requests = sum(figures["requests"] for figures in slices)
    seconds = sum(figures["seconds"] for figures in slices)
    weights = [figures["requests"] / max(requests, 1) for figures in slices]
    return {
        "seconds": seconds,
        "rps": requests / seconds,
        "requests": requests,
        **{
            key: sum(weight * figures[key] for weight, figures in zip(weights, slices, strict=True))
            for key in ("p50", "p95", "p99")
        },
        **{
            key: sum(figures[key] for figures in slices)
            for key in ("errors", "socket", "acked", "app_cpu", "db_cpu")
        },
    }


def offered(
    port: int, path: str, users: list[str], *, rate: float, seconds: float
) -> tuple[dict[str, Any], list[int]]:
    """Logged-in POSTs to `path` offered at a fixed rate (open loop), each by the next
    supporter (cycling through `users`)."""

    def build(index: int) -> bytes:
        session, token = users[index % len(users)].split()
        return (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Cookie: sessionid={session}; csrftoken={token}\r\nX-CSRFToken: {token}\r\n"
            "HX-Request: true\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ).encode()

    answers = paced("127.0.0.1", port, rate=rate, seconds=seconds, build=build)
    return summary(answers, seconds), acknowledged(answers)


def summary(answers: list[Answer], seconds: float) -> dict[str, Any]:
    """A phase's figures from its answers (2xx a second; latencies in ms)."""
    latencies = [answer.latency for answer in answers]
    return {
        "requests": len(answers),
        "rps": len(acknowledged(answers)) / seconds,
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "errors": sum(1 for a in answers if a.status and not 200 <= a.status < 300),
        "socket": sum(1 for a in answers if not a.status),
    }


def acknowledged(answers: list[Answer]) -> list[int]:
    return [answer.index for answer in answers if 200 <= answer.status < 300]


@dataclass(frozen=True)
class Stranger:
    """A visitor without an account, with a browser of their own."""

    session: str
    email: str
    form: str  # the guest form, url-encoded as their browser sends it


SESSION_COOKIE = re.compile(rb"^set-cookie: sessionid=([^;\r\n]+)", re.IGNORECASE | re.MULTILINE)
STARTED = re.compile(rb'name="started" value="([^"]+)"')


def browser(index: int) -> str:
    # A visit is counted once per visitor (address and browser): one address sends every
    # stranger's requests here, so each has a browser of its own.
    return f"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0 stranger/{index}"


def strangers_arrive(
    port: int, slug: str, codes: list[str], count: int, connections: int
) -> list[Stranger]:
    """`count` strangers, each through one of `codes`'s share links (`/r/<code>`: the visit
    is counted and the code kept in a new session, which the signature will credit), then on
    the campaign page it leads to, whose guest form carries the time it was shown (signed:
    the minimum-time check reads it back)."""
    host = f"Host: 127.0.0.1:{port}\r\n"

    def visit(index: int) -> bytes:
        return (
            f"GET /r/{codes[index % len(codes)]} HTTP/1.1\r\n{host}"
            f"User-Agent: {browser(index)}\r\nConnection: close\r\n\r\n"
        ).encode()

    visits, _seconds = each_once(
        "127.0.0.1", port, connections=connections, count=count, build=visit, keep=True
    )
    sessions = []
    for answer in visits:
        found = SESSION_COOKIE.search(answer.response)
        if answer.status != 302 or found is None:
            raise SystemExit(
                f"a share link answered {answer.status}, with no session for the stranger"
            )
        sessions.append(found.group(1).decode())

    def page(index: int) -> bytes:
        return (
            f"GET /campaigns/{slug}/ HTTP/1.1\r\n{host}User-Agent: {browser(index)}\r\n"
            f"Cookie: sessionid={sessions[index]}\r\nConnection: close\r\n\r\n"
        ).encode()

    pages, _seconds = each_once(
        "127.0.0.1", port, connections=connections, count=count, build=page, keep=True
    )
    strangers = []
    for index, answer in enumerate(pages):
        found = STARTED.search(answer.response)
        if answer.status != 200 or found is None:
            raise SystemExit(f"the campaign page answered {answer.status}, without the guest form")
        address = f"stranger{index}@{GUEST_DOMAIN}"
        # What a browser sends: every field of the form, the honeypot empty, the box ticked
        # (and, for a third of them, the one to hear from the hosts).
        fields = {
            "name": f"Inconnu·e {index}",
            "email": address,
            "postcode": "",
            "consent": "on",
            **({"hear_from_hosts": "on"} if index % 3 == 0 else {}),
            "website": "",
            "started": found.group(1).decode(),
        }
        strangers.append(Stranger(session=sessions[index], email=address, form=urlencode(fields)))
    return strangers


def guest_post(port: int, slug: str, stranger: Stranger) -> bytes:
    """A stranger's signature without an account: the form, sent by htmx."""
    body = stranger.form.encode()
    return (
        f"POST /campaigns/{slug}/sign/guest/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: sessionid={stranger.session}\r\nHX-Request: true\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def emails_deliver(env: dict[str, str], mailbox: Path, timeout: float = 900) -> float:
    """Send the queued confirmation e-mails as production does, through a task worker
    (`manage.py db_worker`), until none waits in the outbox; the seconds it took. The
    console backend writes them to the worker's output: the guests' mailboxes."""
    from django.db import connection as django_connection

    from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, GuestAction
    from essaim.core.models import OutboxMessage

    started = time.monotonic()
    with mailbox.open("ab") as out, mailbox.with_suffix(".log").open("ab") as log:
        while True:
            subprocess.run(
                [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=log,
                check=True,
                timeout=timeout,
            )
            django_connection.close()
            # Actions the scheduler's settle has not queued an e-mail for yet wait too.
            waiting = (
                OutboxMessage.objects.filter(
                    channel=GUEST_EMAIL_CHANNEL,
                    state__in=[OutboxMessage.State.PENDING, OutboxMessage.State.SENDING],
                ).count()
                + GuestAction.objects.filter(settled_at__isnull=True).count()
            )
            if not waiting:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise SystemExit(f"{waiting} confirmation e-mails still wait in the outbox")
            # The scheduler's outbox_dispatch (every 5 s) hands what it claimed meanwhile to
            # the task queue.
            time.sleep(1)


CONFIRM_LINK = re.compile(r"/campaigns/[^/\s]+/confirm/([^/\s]+)/")


def mailbox_read(mailbox: Path) -> list[tuple[str, str]]:
    """(recipient, token of the link) of each confirmation e-mail in the mailbox, as the
    console backend writes them (each followed by a line of 79 dashes); the other e-mails the
    task worker sent meanwhile (the supporters' notifications) are left out."""
    mails = []
    for chunk in mailbox.read_text().split("\n" + "-" * 79 + "\n"):
        message = email.message_from_string(chunk.strip("\n"), policy=email.policy.default)
        if message["To"] is None or not isinstance(message, email.message.EmailMessage):
            continue
        body = message.get_body(preferencelist=("plain",))
        if body is None:
            continue
        found = CONFIRM_LINK.search(body.get_content())
        if found is not None:
            mails.append((str(message["To"]), found.group(1)))
    return mails


def confirm_post(port: int, slug: str, stranger: Stranger, token: str, csrf: str) -> bytes:
    """The button of the page the e-mail's link opens, pressed (a plain form post, in the
    browser that signed: its session, and the CSRF cookie the page set)."""
    body = f"csrfmiddlewaretoken={csrf}".encode()
    return (
        f"POST /campaigns/{slug}/confirm/{token}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: sessionid={stranger.session}; csrftoken={csrf}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


LAG_SQL = """
SELECT (SELECT count(*) FROM campaigns_signature WHERE pledge_id = p.id)
       - (SELECT COALESCE(sum(count), 0) FROM campaigns_signaturetally WHERE pledge_id = p.id),
       COALESCE(EXTRACT(EPOCH FROM now() - (
           SELECT min(created_at) FROM campaigns_signature
           WHERE pledge_id = p.id AND settled_at IS NULL)), 0)
FROM campaigns_pledge p JOIN campaigns_campaign c ON c.id = p.campaign_id WHERE c.slug = %s
"""


class LagSampler(threading.Thread):
    """How far the count the pages show lags behind the signatures stored, read every 0.2 s
    on a connection of its own: in signatures, and as the age of the oldest unsettled one."""

    def __init__(self, dsn: str, slug: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.slug = dsn, slug
        self.stopping = threading.Event()
        self.max_rows, self.max_seconds = 0, 0.0
        self.last: tuple[int, float] = (0, 0.0)

    def sample(self, connection: Any) -> tuple[int, float]:
        rows, seconds = connection.execute(LAG_SQL, (self.slug,)).fetchone()
        return int(rows), float(seconds)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not self.stopping.wait(0.2):
                self.last = self.sample(connection)
                self.max_rows = max(self.max_rows, self.last[0])
                self.max_seconds = max(self.max_seconds, self.last[1])

    def stop(self) -> tuple[int, float]:
        """Stop sampling; the lag at this moment."""
        self.stopping.set()
        self.join(timeout=5)
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            return self.sample(connection)

    def settled(self, timeout: float = 60) -> bool:
        """Wait until the scheduler has settled every signature."""
        import psycopg

        deadline = time.monotonic() + timeout
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while time.monotonic() < deadline:
                if self.sample(connection) == (0, 0.0):
                    return True
                time.sleep(0.2)
        return False


def count_acknowledged(slug: str, acked: set[str]) -> bool:
    """Every acknowledged signature and challenge join (a 2xx) against the rows in
    PostgreSQL, and the count the page shows against the rows. True when nothing is lost,
    doubled or miscounted. `acked` holds "s<line>" and "j<line>", lines of the users file
    (1-based); user "load<i>" is line i + 1."""
    from django.db import connection as django_connection

    from essaim.campaigns.models import Participant, Pledge, Signature
    from essaim.campaigns.selectors import signature_count

    django_connection.close()
    exact = True
    for kind, label, rows in (
        (
            "s",
            "signatures",
            # The supporters' own; the guests' are counted with theirs (count_guests).
            Signature.objects.filter(
                pledge__campaign__slug=slug, user__email__endswith="@load.essaim.test"
            ).values_list("user__email", flat=True),
        ),
        (
            "j",
            "challenge joins",
            Participant.objects.filter(challenge__campaign__slug=slug).values_list(
                "user__email", flat=True
            ),
        ),
    ):
        emails = list(rows)
        stored = {email.split("@")[0].removeprefix("load") for email in emails}
        people = {str(int(entry[1:]) - 1) for entry in acked if entry[0] == kind}
        lost = people - stored
        doubled = len(emails) - len(set(emails))
        print(
            f"acknowledged {label}: {len(people):,}; rows in PostgreSQL: {len(emails):,}; "
            f"lost: {len(lost)}; doubled: {doubled}"
        )
        exact = exact and not lost and not doubled
    shown = signature_count(Pledge.objects.get(campaign__slug=slug))
    rows_count = Signature.objects.filter(pledge__campaign__slug=slug).count()
    print(
        f"signature count shown once settled: {shown:,}; rows: {rows_count:,}; "
        f"exact: {shown == rows_count}"
    )
    return exact and shown == rows_count


def count_guests(
    slug: str,
    strangers: list[Stranger],
    signed: set[int],
    confirmed: set[int],
    mails: list[tuple[str, str]],
) -> bool:
    """Every acknowledged guest signature and confirmation (a 2xx) against the rows in
    PostgreSQL, the outbox's confirmation e-mails against the guest signatures (one each), and
    the e-mails received against the guests acknowledged (one each, none twice). `signed` and
    `confirmed` hold indexes in `strangers`. True when nothing is lost, doubled or missing."""
    from django.db import connection as django_connection

    from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, GuestAction, Signature
    from essaim.core.models import OutboxMessage

    django_connection.close()
    guest_rows = GuestAction.objects.filter(kind=GuestAction.Kind.SIGN, pledge__campaign__slug=slug)
    rows = dict(guest_rows.values_list("pk", "user__email"))
    emails = list(rows.values())
    acked = {strangers[index].email for index in signed}
    lost = len(acked - set(emails))
    doubled = len(emails) - len(set(emails))
    print(
        f"acknowledged guest signatures: {len(acked):,}; rows in PostgreSQL: {len(rows):,}; "
        f"lost: {lost}; doubled: {doubled}"
    )
    print(
        f"guest signatures credited to the share link they came through: "
        f"{guest_rows.exclude(via='').count():,} of {len(rows):,}"
    )
    queued = Counter(
        payload.get("guest_action")
        for payload in OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).values_list(
            "payload", flat=True
        )
    )
    missing = sum(1 for pk in rows if not queued[pk])
    duplicated = sum(1 for pk in rows if queued[pk] > 1)
    print(
        f"confirmation e-mails in the outbox: {sum(queued.values()):,} for {len(rows):,} guest "
        f"signatures; missing: {missing}; duplicated: {duplicated}"
    )
    received = Counter(to for to, _token in mails)
    unmailed = len(acked - set(received))
    twice = sum(1 for count in received.values() if count > 1)
    print(
        f"confirmation e-mails received: {sum(received.values()):,} by {len(received):,} "
        f"guests; acknowledged guests without one: {unmailed}; duplicated: {twice}"
    )
    confirmations = {strangers[index].email for index in confirmed}
    counted = list(
        Signature.objects.filter(
            pledge__campaign__slug=slug, user__email__endswith=f"@{GUEST_DOMAIN}"
        ).values_list("user__email", flat=True)
    )
    lost_confirmed = len(confirmations - set(counted))
    doubled_confirmed = len(counted) - len(set(counted))
    print(
        f"acknowledged confirmations: {len(confirmations):,}; guest signatures counted (rows "
        f"in PostgreSQL): {len(counted):,}; lost: {lost_confirmed}; doubled: {doubled_confirmed}"
    )
    return (
        not (lost or doubled or missing or duplicated or unmailed or twice or lost_confirmed)
        and not doubled_confirmed
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="slices the bare view, the floor and the page are each measured in, interleaved "
        "(each --seconds / --rounds long)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=5,
        help="seconds of each of the bare view, the floor and the page before measuring",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--supporters", type=int, default=30000)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--rate",
        type=float,
        default=200.0,
        help="signatures a second offered in the open-loop phase (a national petition's "
        "record was near 2,000 a minute: 33 a second; the default is six times that)",
    )
    parser.add_argument(
        "--guests",
        type=int,
        default=2000,
        help="strangers for guest signing as fast as the server answers (each signs once; "
        "the open-loop phase has --guest-rate × --seconds more)",
    )
    parser.add_argument(
        "--guest-rate",
        type=float,
        default=300.0,
        help="guest signatures a second offered in their open-loop phase",
    )
    parser.add_argument(
        "--only",
        choices=["page", "sign", "paced", "mixed", "guest"],
        action="append",
        help="run the bare view and these phases only (repeatable); default: all",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    database = database_create("essaim_load_")
    work = Path(tempfile.mkdtemp(prefix="essaim-load-"))
    port = free_port()
    server = None
    scheduler = None
    try:
        env = {
            **stack_environment(
                database=database, redis_database=14, site_url=f"http://127.0.0.1:{port}"
            ),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(args.workers),
        }
        everyone = work / "everyone.txt"
        slug, codes = prepare(args.supporters, everyone)
        # The open-loop phase signs with the last supporters, wrk with the others.
        lines = everyone.read_text().split("\n")[: args.supporters]
        paced_count = int(args.rate * args.seconds)
        if paced_count >= len(lines):
            raise SystemExit("--supporters must exceed --rate × --seconds")
        users = work / "users.txt"
        users.write_text("\n".join(lines[:-paced_count]) + "\n")
        paced_offset = len(lines) - paced_count
        static_collect(env)
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
        # The settling of signatures, every second, as `make prod` runs it.
        scheduler = subprocess.Popen([sys.executable, "manage.py", "scheduler"], cwd=ROOT, env=env)
        lag = LagSampler(f"postgresql://postgres@127.0.0.1:5432/{database}", slug)
        lag.start()
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz", server)
        meter = CpuMeter(server.pid, f"postgresql://postgres@127.0.0.1:5432/{database}", database)
        acked_file = work / "acked.txt"
        wrk_env = {
            **env,
            "USERS": str(users),
            "SLUG": slug,
            "THREADS": str(args.connections),
            "ACKED": str(acked_file),
        }
        slice_seconds = max(1, args.seconds // max(1, args.rounds))
        print(
            f"{args.workers} gunicorn workers, {args.connections} connections, "
            f"{args.seconds} s per phase (the bare view, the floor and the page in "
            f"{args.rounds} interleaved slices of {slice_seconds} s), {args.warmup} s of "
            f"warm-up each, {args.supporters:,} supporters with sessions; write limits per "
            "address and per network off (one client address), per guest e-mail address on"
        )

        def measure(path: str, seconds: int, mode: str | None = None) -> dict[str, Any]:
            before = meter.read()
            figures = wrk(
                f"{base}{path}",
                seconds=seconds,
                connections=args.connections,
                env={**wrk_env, "MODE": mode or ""},
                lua=mode is not None,
            )
            return meter.add(figures, before)

        page_path = f"/campaigns/{slug}/"
        wanted = set(args.only or ["page", "sign", "paced", "mixed", "guest"])
        references = [("bare", "/bare", None), ("floor", "", "floor")]
        if "page" in wanted:
            references.append(("page", page_path, None))
        if args.warmup:
            for _name, path, mode in references:
                measure(path, args.warmup, mode)
        slices: dict[str, list[dict[str, Any]]] = {name: [] for name, _path, _mode in references}
        for _round in range(max(1, args.rounds)):
            for name, path, mode in references:
                slices[name].append(measure(path, slice_seconds, mode))
        phases: list[tuple[str, dict[str, Any]]] = [
            ("bare view", combined(slices["bare"])),
            ("floor (session + 1 row)", combined(slices["floor"])),
        ]
        if "page" in wanted:
            phases.append(("campaign page (anonymous)", combined(slices["page"])))
        acked: set[str] = set()
        for mode, label in (("sign", "one-click signing"), ("mixed", "mixed 80/15/5")):
            if mode not in wanted:
                continue
            before = meter.read()
            figures = wrk(
                base,
                seconds=args.seconds,
                connections=args.connections,
                env={**wrk_env, "MODE": mode},
                lua=True,
            )
            acked |= set(acked_file.read_text().split())
            phases.append((label, meter.add(figures, before)))
            if mode == "sign" and "paced" in wanted:
                # The floor at the same rate first: whether the machine can answer that crowd
                # within the goal at all, whatever the signing does.
                before = meter.read()
                figures, _acked_floor = offered(
                    port, "/floor", lines[:paced_offset], rate=args.rate, seconds=args.seconds
                )
                phases.append((f"floor at {args.rate:,.0f}/s offered", meter.add(figures, before)))
                before = meter.read()
                figures, acked_paced = offered(
                    port,
                    f"/campaigns/{slug}/sign/",
                    lines[paced_offset:],
                    rate=args.rate,
                    seconds=args.seconds,
                )
                acked |= {f"s{paced_offset + index + 1}" for index in acked_paced}
                phases.append(
                    (f"signing at {args.rate:,.0f}/s offered", meter.add(figures, before))
                )
        guest_label = f"guest signing at {args.guest_rate:,.0f}/s offered"
        guest_floor_label = f"floor at {args.guest_rate:,.0f}/s offered"
        strangers: list[Stranger] = []
        signed: set[int] = set()
        confirmed: set[int] = set()
        mails: list[tuple[str, str]] = []
        if "guest" in wanted:
            from django.conf import settings

            paced_guests = int(args.guest_rate * args.seconds)
            arriving = time.monotonic()
            strangers = strangers_arrive(
                port, slug, codes, args.guests + paced_guests, args.connections
            )
            arrived = time.monotonic()
            print(
                f"{len(strangers):,} strangers arrived through {len(codes)} share links and "
                f"opened the campaign page in {arrived - arriving:.0f} s (not measured)"
            )
            # Nobody fills the form in less than the minimum time, and the check holds the
            # bench to it: the last stranger waits it out since their page was shown.
            time.sleep(
                max(0.0, settings.CAMPAIGNS_GUEST_MIN_SECONDS - (time.monotonic() - arrived))
            )
            guests_file = work / "guests.txt"
            guests_file.write_text(
                "".join(f"{s.session} {s.form}\n" for s in strangers[: args.guests])
            )
            before = meter.read()
            figures = meter.add(
                wrk(
                    base,
                    seconds=args.seconds,
                    connections=args.connections,
                    env={**wrk_env, "MODE": "guest", "USERS": str(guests_file)},
                    lua=True,
                ),
                before,
            )
            if figures["requests"] > args.guests - args.guests % args.connections:
                print(
                    f"guest signing sent {figures['requests']:,} requests for {args.guests:,} "
                    "strangers: some signed twice (raise --guests)"
                )
            signed |= {int(entry[1:]) - 1 for entry in acked_file.read_text().split()}
            phases.append(("guest signing", figures))
            if guest_floor_label not in dict(phases):
                before = meter.read()
                figures, _acked_floor = offered(
                    port, "/floor", lines[:paced_offset], rate=args.guest_rate, seconds=args.seconds
                )
                phases.append((guest_floor_label, meter.add(figures, before)))
            before = meter.read()
            answers = paced(
                "127.0.0.1",
                port,
                rate=args.guest_rate,
                seconds=args.seconds,
                build=lambda index: guest_post(port, slug, strangers[args.guests + index]),
            )
            signed |= {args.guests + index for index in acknowledged(answers)}
            phases.append((guest_label, meter.add(summary(answers, args.seconds), before)))
            mailbox = work / "mailbox.txt"
            spent = emails_deliver(env, mailbox)
            mails = mailbox_read(mailbox)
            print(
                f"the task worker sent {len(mails):,} confirmation e-mails in {spent:.0f} s "
                "after the signing (not measured)"
            )
            from django.middleware.csrf import _get_new_csrf_string

            by_address = {stranger.email: index for index, stranger in enumerate(strangers)}
            links = [(by_address[to], token) for to, token in mails if to in by_address]
            tokens = [_get_new_csrf_string() for _link in links]
            before = meter.read()
            answers, seconds = each_once(
                "127.0.0.1",
                port,
                connections=args.connections,
                count=len(links),
                build=lambda index: confirm_post(
                    port, slug, strangers[links[index][0]], links[index][1], tokens[index]
                ),
            )
            confirmed = {links[index][0] for index in acknowledged(answers)}
            phases.append(("guest confirming", meter.add(summary(answers, seconds), before)))
        phases.append(("bare view (last)", measure("/bare", slice_seconds)))
        ceiling = phases[0][1]["rps"]
        floor = phases[1][1]["rps"]
        heading = f"{'phase':<28}{'req/s':>9}{'× bare':>8}{'× floor':>8}{'p50 ms':>9}"
        print(
            f"\n{heading}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'socket':>8}"
            f"{'app CPU':>9}{'db CPU':>8}"
        )
        for label, figures in phases:
            answered = max(figures["requests"], 1)
            print(
                f"{label:<28}{figures['rps']:>9,.0f}{figures['rps'] / ceiling:>8.2f}"
                f"{figures['rps'] / floor:>8.2f}{figures['p50']:>9.1f}{figures['p95']:>9.1f}"
                f"{figures['p99']:>9.1f}{figures['errors']:>8}{figures['socket']:>8}"
                f"{figures['app_cpu'] * 1000 / answered:>9.2f}"
                f"{figures['db_cpu'] * 1000 / answered:>8.2f}"
            )
        print(
            "app CPU, db CPU: milliseconds of CPU per request spent by the gunicorn workers and "
            "by this database's PostgreSQL backends during the phase"
        )
        if "page" in wanted:
            rounds = [
                f"{page['rps'] / bare['rps']:.2f}"
                for page, bare in zip(slices["page"], slices["bare"], strict=False)
            ]
            print(f"campaign page / bare view, round by round: {' '.join(rounds)}")
        # Requests still in flight when wrk stopped finish before counting (graceful stop).
        meter.close()
        server.terminate()
        server.wait(timeout=30)
        server = None
        end_rows, end_seconds = lag.stop()
        print(
            f"\nshown count behind the rows (settled every second during the load): "
            f"at most {lag.max_rows:,} signatures, oldest unsettled {lag.max_seconds:.1f} s; "
            f"at the end {end_rows:,} signatures, {end_seconds:.1f} s"
        )
        if not lag.settled():
            print("the scheduler did not settle every signature within 60 s")
        checks = count_acknowledged(slug, acked)
        if "guest" in wanted:
            checks = count_guests(slug, strangers, signed, confirmed, mails) and checks
        by_label = dict(phases)
        goals = []
        if "campaign page (anonymous)" in by_label:
            page = by_label["campaign page (anonymous)"]
            goals.append(f"page {page['rps'] / ceiling:.0%} of the bare view (≥ 80 %)")
        if "one-click signing" in by_label:
            signing = by_label["one-click signing"]
            goals.append(
                f"signing {signing['rps'] / ceiling:.0%} of the bare view (≥ 40 %) and "
                f"{signing['rps'] / floor:.0%} of the floor (≥ 80 %)"
            )
        paced_label = f"signing at {args.rate:,.0f}/s offered"
        if paced_label in by_label:
            p99 = by_label[paced_label]["p99"]
            floor_p99 = by_label[f"floor at {args.rate:,.0f}/s offered"]["p99"]
            goals.append(
                f"p99 at {args.rate:,.0f}/s offered {p99:.0f} ms (< 100 ms; "
                f"the floor's at that rate: {floor_p99:.0f} ms)"
            )
        if "guest signing" in by_label:
            guests = by_label["guest signing"]
            goals.append(
                f"guest signing {guests['rps'] / ceiling:.0%} of the bare view (≥ 35 %) and "
                f"{guests['rps'] / floor:.0%} of the floor"
            )
            goals.append(
                f"p99 at {args.guest_rate:,.0f} guest signatures/s offered "
                f"{by_label[guest_label]['p99']:.0f} ms (< 150 ms; the floor's at that rate: "
                f"{by_label[guest_floor_label]['p99']:.0f} ms)"
            )
        if goals:
            print("goals: " + ", ".join(goals))
        if not checks:
            raise SystemExit(
                "acknowledged actions were lost or doubled, miscounted, or their e-mails "
                "missing or duplicated"
            )
    finally:
        for process in (server, scheduler):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        database_drop(database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
