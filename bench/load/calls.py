"""What one request costs in work, counted rather than timed: the floor, one-click signing and a
stranger's guest signature, side by side in one process under the production settings (against
a throw-away PostgreSQL database and Redis database 13, set up as `run.py` sets up its own).

For each path it prints the SQL statements one request sends and the Python function calls it
makes (cProfile), each against the floor's. Both are the same from run to run on any machine,
unlike CPU time on a shared host, so they say whether a change made a request do less; the load
benchmark (`run.py`) says what that buys in throughput and latency. The CPU time per request is
printed too, unprofiled, for scale (it moves with the machine's neighbours).

    .venv/bin/python bench/load/calls.py                 # 200 requests of each
    .venv/bin/python bench/load/calls.py --statements    # and each path's statements, in order
    .venv/bin/python bench/load/calls.py --profile guest # and the top of that path's profile

Needs PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import cProfile
import io
import pstats
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).parent))

from run import (
    GUEST_DOMAIN,
    browser,
    database_create,
    database_drop,
    prepare,
    stack_environment,
    static_collect,
)

STARTED = re.compile(r'name="started" value="([^"]+)"')
PATHS = ("floor", "sign", "guest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="measured requests per path")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per path")
    parser.add_argument("--statements", action="store_true", help="print each path's SQL")
    parser.add_argument("--profile", choices=PATHS, help="print the top of this path's profile")
    args = parser.parse_args()

    database = database_create("essaim_calls_")
    try:
        static_collect(
            stack_environment(
                database=database, redis_database=13, site_url="http://127.0.0.1:8000"
            )
        )
        measure(args)
    finally:
        database_drop(database)


def measure(args: argparse.Namespace) -> None:
    each = args.warmup + args.requests
    with tempfile.TemporaryDirectory(prefix="essaim-calls-") as work:
        users_file = Path(work) / "users.txt"
        slug, codes = prepare(2 * each, users_file)
        sessions = [line.split() for line in users_file.read_text().splitlines() if line]

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    handler = WSGIHandler()
    factory = RequestFactory(HTTP_HOST="127.0.0.1:8000")  # the ALLOWED_HOSTS of `make prod`

    def call(request: WSGIRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        answer: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            answer["status"], answer["headers"] = int(status.split()[0]), headers
            return lambda _data: None  # WSGI's write(): Django never calls it

        body = b"".join(handler(request.environ, start_response))
        return answer["status"], answer["headers"], body

    def logged_in(path: str, session: str, token: str) -> WSGIRequest:
        """A one-click post as htmx sends it: the session, the CSRF cookie and its header."""
        return factory.post(
            path,
            b"",
            content_type="application/x-www-form-urlencoded",
            HTTP_COOKIE=f"sessionid={session}; csrftoken={token}",
            HTTP_X_CSRFTOKEN=token,
            HTTP_HX_REQUEST="true",
        )

    def stranger(index: int) -> WSGIRequest:
        """A stranger arrived through a share link (a new session holding its code), then on
        the campaign page, whose guest form holds the time it was shown: their signature."""
        agent = browser(index)
        _status, headers, _body = call(
            factory.get(f"/r/{codes[index % len(codes)]}", HTTP_USER_AGENT=agent)
        )
        cookie = next(
            value.strip().split(";")[0]
            for name, value in headers
            if name.lower() == "set-cookie" and value.strip().startswith("sessionid=")
        )
        _status, _headers, page = call(
            factory.get(f"/campaigns/{slug}/", HTTP_COOKIE=cookie, HTTP_USER_AGENT=agent)
        )
        found = STARTED.search(page.decode())
        if found is None:
            raise SystemExit("the campaign page has no guest form")
        form = {
            "name": f"Inconnu·e {index}",
            "email": f"stranger{index}@{GUEST_DOMAIN}",
            "postcode": "",
            "consent": "on",
            "website": "",
            "started": found.group(1),
        }
        return factory.post(
            f"/campaigns/{slug}/sign/guest/",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
            HTTP_COOKIE=cookie,
            HTTP_USER_AGENT=agent,
            HTTP_HX_REQUEST="true",
        )

    requests: dict[str, list[WSGIRequest]] = {
        "floor": [logged_in("/floor", *pair) for pair in sessions[:each]],
        "sign": [logged_in(f"/campaigns/{slug}/sign/", *pair) for pair in sessions[each:]],
        "guest": [stranger(index) for index in range(each)],
    }
    # The guest form refuses a post sooner than this after it was shown (the minimum time).
    time.sleep(settings.CAMPAIGNS_GUEST_MIN_SECONDS)

    figures: dict[str, dict[str, float]] = {}
    for path in PATHS:
        warm, measured = requests[path][: args.warmup], requests[path][args.warmup :]
        for request in warm:
            expect_ok(path, call(request))
        # A third each: counted statements, counted calls, then CPU time untouched by either.
        counted = 0
        third = len(measured) // 3
        statements: list[str] = []
        for request in measured[:third]:
            # One capture per request: Django empties the connection's log as each starts.
            with CaptureQueriesContext(connection) as queries:
                expect_ok(path, call(request))
            statements = [query["sql"] for query in queries.captured_queries]
            counted += len(statements)
        profile = cProfile.Profile()
        profile.enable()
        for request in measured[third : 2 * third]:
            expect_ok(path, call(request))
        profile.disable()
        stats = pstats.Stats(profile)
        started = time.process_time()
        for request in measured[2 * third :]:
            expect_ok(path, call(request))
        cpu = (time.process_time() - started) / len(measured[2 * third :])
        figures[path] = {
            "statements": counted / third,
            "calls": stats.total_calls / third,  # type: ignore[attr-defined]
            "cpu": cpu * 1000,
        }
        if args.statements:
            print(f"{path}: one request's statements")
            for statement in statements:
                print(f"    {statement[:150]}")
        if args.profile == path:
            printed = io.StringIO()
            pstats.Stats(profile, stream=printed).sort_stats("cumulative").print_stats(60)
            print(printed.getvalue())
    report(figures, args.requests)


def expect_ok(path: str, answer: tuple[int, Any, bytes]) -> None:
    status, _headers, body = answer
    if status != 200:
        raise SystemExit(f"{path} answered {status}: {body[:500]!r}")


def report(figures: dict[str, dict[str, float]], requests: int) -> None:
    floor = figures["floor"]
    names = {
        "floor": "floor (session + 1 row)",
        "sign": "one-click signing",
        "guest": "guest signing",
    }
    print(
        f"\nper request, a third of {requests} requests each (the statements, the calls, the CPU)"
    )
    print(f"{'path':<26}{'statements':>11}{'× floor':>9}{'calls':>9}{'× floor':>9}{'CPU ms':>9}")

    def ratio(path: str, key: str) -> float:
        return figures[path][key] / floor[key]

    for path in PATHS:
        row = figures[path]
        print(
            f"{names[path]:<26}{row['statements']:>11.1f}{ratio(path, 'statements'):>9.2f}"
            f"{row['calls']:>9,.0f}{ratio(path, 'calls'):>9.2f}{row['cpu']:>9.2f}"
        )
    print("CPU ms: unprofiled, this process only (not PostgreSQL's); it moves with the machine")


if __name__ == "__main__":
    main()
