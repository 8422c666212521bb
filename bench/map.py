"""The map at 10,000 events: one map window's GeoJSON payload (`/api/v1/geo/events?bbox=`), and
how the map component (Leaflet with marker clustering, essaim/core/static/core/map.js) copes
with 10,000 markers in Chromium: time to the first clustered drawing, the longest task that
blocked the page meanwhile, how many elements it drew, and a zoom step once drawn.

    .venv/bin/python bench/map.py                       # on a throw-away SQLite database
    CHROMIUM=/usr/bin/chromium .venv/bin/python bench/map.py --events 10000 --runs 3

The events are spread over Île-de-France, a quarter of them in Paris; their titles are of a
typical length, then of the longest a title may be (the payload's worst case). The windows are
Paris at zoom 12 and the whole region (more events than a window sends: `truncated`).
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARIS = "2.25,48.81,2.42,48.91"
REGION = "1.40,48.10,3.60,49.30"
PAYLOAD_GOAL = 200_000
ORIGIN = "http://map.bench.invalid"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="page loads measured")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--database-url", default="", help="a throw-away SQLite file if none")
    return parser.parse_args()


def spread(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.25:
        return rng.uniform(48.82, 48.90), rng.uniform(2.26, 2.41)
    return rng.uniform(48.20, 49.20), rng.uniform(1.50, 3.50)


def create_events(count: int, rng: random.Random, title_length: int) -> None:
    from django.utils import timezone

    from essaim.accounts.models import User
    from essaim.campaigns.models import Campaign, Event
    from essaim.core.models import Precision

    Event.objects.all().delete()
    host = User.objects.get_or_create(
        email="host@bench.essaim.test", defaults={"handle": "bench-host", "display_name": "Hôte"}
    )[0]
    campaign = Campaign.objects.get_or_create(
        slug="ramassages-ile-de-france",
        defaults={
            "title": "Ramassages en Île-de-France",
            "summary": "Des rues propres",
            "category": Campaign.Category.ENVIRONMENT,
            "status": Campaign.Status.LIVE,
            "created_by": host,
        },
    )[0]
    now = timezone.now()
    events = []
    for index in range(count):
        latitude, longitude = spread(rng)
        title = f"Ramassage citoyen n° {index} du quartier"
        starts = now + timedelta(days=rng.uniform(1, 90))
        events.append(
            Event(
                campaign=campaign,
                proposed_by=host,
                title=(title + " et ses rues voisines" * 10)[:title_length],
                address="Place de la mairie",
                city="Paris",
                latitude=latitude,
                longitude=longitude,
                place_precision=Precision.ADDRESS,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=20,
                status=Event.Status.APPROVED,
            )
        )
    Event.objects.bulk_create(events, batch_size=2000)


def payloads(label: str) -> None:
    from django.test import Client

    client = Client()
    for window_name, window in (("Paris at zoom 12", PARIS), ("the whole region", REGION)):
        response = client.get("/api/v1/geo/events", {"bbox": window})
        assert response.status_code == 200, response.content[:200]
        body = response.content
        data = json.loads(body)
        verdict = "under" if len(body) < PAYLOAD_GOAL else "OVER"
        print(
            f"  {label:<24} {window_name:<18} {len(data['features']):>6,} features "
            f"{len(body):>9,} bytes ({len(body) / len(data['features']):.0f} a feature), "
            f"truncated={data['truncated']}: {verdict} {PAYLOAD_GOAL:,}"
        )


# Records, in the page, when the map component marks itself drawn and every long task.
PROBE = """
window.__bench = {ready: null, longTasks: []};
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) { window.__bench.longTasks.push(entry.duration); });
}).observe({type: "longtask", buffered: true});
new MutationObserver(function () {
  var map = document.querySelector(".place-map-ready");
  if (map && window.__bench.ready === null) { window.__bench.ready = performance.now(); }
}).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ["class"]});
"""


def map_page(count: int) -> str:
    """The map component as the site renders it (the `place_map` tag) under a list of
    `count` events, in a page of its own: no site page lists that many."""
    from django.template.loader import render_to_string

    from essaim.campaigns.models import Event
    from essaim.core.templatetags.places import place_map

    events = Event.objects.select_related("campaign").order_by("starts_at", "pk")[:count]
    component = render_to_string("core/_map.html", place_map(events, map_name="bench-map"))
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Carte</title><script>{PROBE}</script></head><body>{component}</body></html>"
    )


def browse(html: str, args: argparse.Namespace) -> None:
    from django.contrib.staticfiles import finders
    from playwright.sync_api import Route, sync_playwright

    def serve(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body=html)
            return
        found = finders.find(path.removeprefix("/static/").split("?")[0])
        if not found:
            route.fulfill(status=404, body="")
            return
        kind = "text/css" if found.endswith(".css") else "text/javascript"
        route.fulfill(status=200, content_type=kind, body=Path(found).read_bytes())

    markers = html.count('"latitude"')
    print(f"\nmap page, {markers:,} markers, {len(html.encode()):,} bytes of HTML")
    ready, longest, total, zoom, drawn = [], [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _run in range(args.runs):
            page = browser.new_page(viewport={"width": 1366, "height": 800})
            page.route(f"{ORIGIN}/**", serve)
            page.goto(f"{ORIGIN}/")
            page.wait_for_selector(".place-map-ready .marker-cluster", timeout=120_000)
            probe = page.evaluate("window.__bench")
            ready.append(probe["ready"])
            longest.append(max(probe["longTasks"], default=0))
            total.append(sum(probe["longTasks"]))
            drawn.append(
                page.locator(".place-map .marker-cluster, .place-map .leaflet-interactive").count()
            )
            # One zoom step with the control, until the clusters are redrawn and the page idle.
            started = time.perf_counter()
            page.click(".leaflet-control-zoom-in")
            page.wait_for_function(
                "!document.querySelector('.leaflet-zoom-anim')"
                " && document.querySelectorAll('.marker-cluster').length > 0"
            )
            page.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
            zoom.append(1000 * (time.perf_counter() - started))
            page.close()
        browser.close()
    print(f"median of {args.runs} page loads in Chromium (ms):")
    print(f"  first clustered drawing after navigation start   {statistics.median(ready):8.0f}")
    print(f"  longest task blocking the page meanwhile          {statistics.median(longest):8.0f}")
    print(f"  all long tasks (over 50 ms) added up              {statistics.median(total):8.0f}")
    print(f"  one zoom step, clicked to redrawn                 {statistics.median(zoom):8.0f}")
    print(f"  elements drawn for the {args.events:,} markers (clusters, dots)  {drawn[0]:,}")


def main() -> None:
    args = parse()
    workdir = tempfile.TemporaryDirectory(prefix="essaim-bench-map-")
    # Never the environment's own database: the bench deletes every event.
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # The page is read through Playwright's synchronous API, which runs an event loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from essaim.campaigns.models import Event

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database: {connection.vendor}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrated in {time.perf_counter() - started:.1f} s")
    rng = random.Random(args.seed)
    print("\none map window's GeoJSON (/api/v1/geo/events?bbox=):")
    title_length = Event._meta.get_field("title").max_length or 140
    for label, length in (
        ("typical titles", 40),
        (f"{title_length}-character titles", title_length),
    ):
        create_events(args.events, rng, length)
        payloads(label)
    create_events(args.events, random.Random(args.seed), 40)
    browse(map_page(args.events), args)
    workdir.cleanup()


if __name__ == "__main__":
    main()
