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
  7. the bare view again, after the writes: shown, not used as the ceiling (PostgreSQL
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

It prints requests per second, p50/p95/p99 latency and errors, each phase against the bare
view and against the floor, the settle's lag (its maximum and at the end of the load), then
stops the server (requests in flight finish), lets the scheduler settle the rest, and counts
every acknowledged signature and challenge join (a 2xx) against the rows in PostgreSQL — lost and
doubled must both be zero — and the count shown against the rows once settled.

    .venv/bin/python bench/load/run.py                    # 20 s per phase
    .venv/bin/python bench/load/run.py --only page --rounds 4      # the page's ratio alone
    .venv/bin/python bench/load/run.py --seconds 5 --connections 8 --supporters 2000
    .venv/bin/python bench/load/run.py --only sign --only paced --rate 50

Needs wrk (apt-get install wrk), PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
SCRIPT = Path(__file__).with_name("actions.lua")
sys.path.insert(0, str(Path(__file__).parent))

from paced import paced, percentile  # noqa: E402 - after the path is set


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def prepare(supporters: int, users_file: Path) -> str:
    """Migrate, and write the campaign and its would-be supporters with their sessions."""
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
    return campaign.slug


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
        **{key: sum(figures[key] for figures in slices) for key in ("errors", "socket", "acked")},
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
    latencies = [answer.latency for answer in answers]
    return (
        {
            "rps": sum(1 for a in answers if 200 <= a.status < 300) / seconds,
            "p50": percentile(latencies, 0.50) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "errors": sum(1 for a in answers if a.status and not 200 <= a.status < 300),
            "socket": sum(1 for a in answers if not a.status),
        },
        [answer.index for answer in answers if 200 <= answer.status < 300],
    )


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
            Signature.objects.filter(pledge__campaign__slug=slug).values_list(
                "user__email", flat=True
            ),
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
        "--only",
        choices=["page", "sign", "paced", "mixed"],
        action="append",
        help="run the bare view and these phases only (repeatable); default: all",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    import psycopg

    database = f"essaim_load_{os.getpid()}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as admin_connection:
        admin_connection.execute(f'CREATE DATABASE "{database}"')
    work = Path(tempfile.mkdtemp(prefix="essaim-load-"))
    port = free_port()
    from config.local_stack import environment

    env = {
        **environment(),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        # One client address sends everything: the per-address limit would measure itself.
        "RATE_LIMITS": '{"address": []}',
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.workers),
        "LOG_LEVEL": "WARNING",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "BENCHMARK_FLOOR": "true",
    }
    os.environ.update(env)
    server = None
    scheduler = None
    try:
        subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
        everyone = work / "everyone.txt"
        slug = prepare(args.supporters, everyone)
        # The open-loop phase signs with the last supporters, wrk with the others.
        lines = everyone.read_text().split("\n")[: args.supporters]
        paced_count = int(args.rate * args.seconds)
        if paced_count >= len(lines):
            raise SystemExit("--supporters must exceed --rate × --seconds")
        users = work / "users.txt"
        users.write_text("\n".join(lines[:-paced_count]) + "\n")
        paced_offset = len(lines) - paced_count
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
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
            f"warm-up each, {args.supporters:,} supporters with sessions"
        )

        def measure(path: str, seconds: int, mode: str | None = None) -> dict[str, Any]:
            return wrk(
                f"{base}{path}",
                seconds=seconds,
                connections=args.connections,
                env={**wrk_env, "MODE": mode or ""},
                lua=mode is not None,
            )

        page_path = f"/campaigns/{slug}/"
        wanted = set(args.only or ["page", "sign", "paced", "mixed"])
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
            figures = wrk(
                base,
                seconds=args.seconds,
                connections=args.connections,
                env={**wrk_env, "MODE": mode},
                lua=True,
            )
            acked |= set(acked_file.read_text().split())
            phases.append((label, figures))
            if mode == "sign" and "paced" in wanted:
                # The floor at the same rate first: whether the machine can answer that crowd
                # within the goal at all, whatever the signing does.
                figures, _acked_floor = offered(
                    port, "/floor", lines[:paced_offset], rate=args.rate, seconds=args.seconds
                )
                phases.append((f"floor at {args.rate:,.0f}/s offered", figures))
                figures, acked_paced = offered(
                    port,
                    f"/campaigns/{slug}/sign/",
                    lines[paced_offset:],
                    rate=args.rate,
                    seconds=args.seconds,
                )
                acked |= {f"s{paced_offset + index + 1}" for index in acked_paced}
                phases.append((f"signing at {args.rate:,.0f}/s offered", figures))
        phases.append(("bare view (last)", measure("/bare", slice_seconds)))
        ceiling = phases[0][1]["rps"]
        floor = phases[1][1]["rps"]
        heading = f"{'phase':<28}{'req/s':>9}{'× bare':>8}{'× floor':>8}{'p50 ms':>9}"
        print(f"\n{heading}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'socket':>8}")
        for label, figures in phases:
            print(
                f"{label:<28}{figures['rps']:>9,.0f}{figures['rps'] / ceiling:>8.2f}"
                f"{figures['rps'] / floor:>8.2f}{figures['p50']:>9.1f}{figures['p95']:>9.1f}"
                f"{figures['p99']:>9.1f}{figures['errors']:>8}{figures['socket']:>8}"
            )
        if "page" in wanted:
            rounds = [
                f"{page['rps'] / bare['rps']:.2f}"
                for page, bare in zip(slices["page"], slices["bare"], strict=False)
            ]
            print(f"campaign page / bare view, round by round: {' '.join(rounds)}")
        # Requests still in flight when wrk stopped finish before counting (graceful stop).
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
        if goals:
            print("goals: " + ", ".join(goals))
        if not checks:
            raise SystemExit("acknowledged actions were lost or doubled, or miscounted")
    finally:
        for process in (server, scheduler):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as admin_connection:
            admin_connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
