"""Page weight and speed of the ten main pages, at a phone's width and a laptop's.

    .venv/bin/python bench/pages.py                 # 3 visits a page, each width
    .venv/bin/python bench/pages.py --visits 5 --width 360
    .venv/bin/python bench/pages.py --visits 5 --page "front door, logged in"

A throw-away demo instance (scripts/screenshot.py's: a new SQLite database with the demo
content, Django's runserver as `make demo` serves it) and headless /usr/bin/chromium. Each
visit is a first visit: a new browser context, its cache disabled for the measured tab (the
logged-in front door logs in first, in another tab). Nothing is scrolled, so lazy pictures
below the first screen are not loaded, as for a visitor who only looks.

Printed per page and width:
- bytes: what crossed the wire on the first visit (Chromium's encodedDataLength, headers
  included). runserver compresses nothing; "gzip" is what the same answers weigh gzipped
  (text types only, as the production stack's WhiteNoise and reverse proxy send them);
- TTFB: the server's share, navigation start to the answer's first byte (median, in ms);
- DOMContentLoaded: from navigation start, in ms; median and worst of the visits. The first
  visit after the start renders the page; later anonymous ones may come from the page cache.
Goals (issue 17): < 150 KB and < 500 ms.
"""

import argparse
import gzip
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from playwright.sync_api import BrowserContext, Response, sync_playwright  # noqa: E402
from screenshot import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    HEIGHT,
    Instance,
    log_in,
    throwaway_instance,
)

GOAL_BYTES = 150 * 1024
GOAL_DCL_MS = 500
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
# (label, key of the instance's pages, logged in)
PAGES = [
    ("front door", "home", False),
    ("campaigns", "campaigns", False),
    ("a campaign", "campaign", False),
    ("an event", "event", False),
    ("communities", "communities", False),
    ("a community", "community", False),
    ("mutual aid", "aid", False),
    ("log in", "login", False),
    ("sign up", "signup", False),
    ("front door, logged in", "home", True),
]


@dataclass
class Visit:
    wire_bytes: int = 0
    gzip_bytes: int = 0
    requests: int = 0
    dcl_ms: float = 0.0
    ttfb_ms: float = 0.0
    statuses: list[int] = field(default_factory=list)


def measured_visit(context: BrowserContext, url: str) -> Visit:
    """A first visit in a new tab of `context`, the browser's cache emptied."""
    visit = Visit()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    # Nothing from any cache: the tab's own memory cache survives clearBrowserCache (the
    # logged-in page would count the static files the log-in page already fetched).
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def finished(event: dict[str, Any]) -> None:
        visit.wire_bytes += int(event["encodedDataLength"])
        visit.requests += 1

    def answered(response: Response) -> None:
        visit.statuses.append(response.status)
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 (a redirect has no body to read)
            return
        kind = response.headers.get("content-type", "")
        text = kind.startswith(TEXT_TYPES)
        visit.gzip_bytes += len(gzip.compress(body, 6)) if text else len(body)

    cdp.on("Network.loadingFinished", finished)
    page.on("response", answered)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; "
        "return [n.responseStart, n.domContentLoadedEventEnd] }"
    )
    visit.ttfb_ms, visit.dcl_ms = timing
    page.remove_listener("response", answered)
    cdp.detach()
    page.close()
    return visit


def measure(
    instance: Instance, width: int, visits: int, labels: list[str]
) -> list[tuple[str, list[Visit]]]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for label, key, logged_in in PAGES:
            if labels and label not in labels:
                continue
            url = instance.base + instance.pages[key]
            done = []
            for _ in range(visits):
                # No service worker: the PWA's would serve the logged-in page's static
                # files from its own cache, out of the tab's sight (and out of the count).
                context = browser.new_context(
                    viewport={"width": width, "height": HEIGHT},
                    locale="fr-FR",
                    service_workers="block",
                )
                if logged_in:
                    page = context.new_page()
                    log_in(page, instance.base, instance.pages["member"])
                    page.close()
                done.append(measured_visit(context, url))
                context.close()
            rows.append((label, done))
        browser.close()
    return rows


def report(width: int, rows: list[tuple[str, list[Visit]]]) -> None:
    print(f"\n{width} px wide")
    print(
        f"{'page':<24}{'KB wire':>9}{'KB gzip':>9}{'req':>5}{'TTFB med':>10}"
        f"{'DCL med':>9}{'DCL max':>9}  goals"
    )
    for label, visits in rows:
        first = visits[0]
        dcls = [visit.dcl_ms for visit in visits]
        median, worst = statistics.median(dcls), max(dcls)
        ttfb = statistics.median(visit.ttfb_ms for visit in visits)
        bad_status = sorted({s for v in visits for s in v.statuses if s >= 400})
        verdict = []
        verdict.append("bytes ok" if first.wire_bytes < GOAL_BYTES else "bytes NOT MET")
        verdict.append("DCL ok" if worst < GOAL_DCL_MS else "DCL NOT MET")
        if bad_status:
            verdict.append(f"HTTP {bad_status}")
        print(
            f"{label:<24}{first.wire_bytes / 1024:>9.1f}{first.gzip_bytes / 1024:>9.1f}"
            f"{first.requests:>5}{ttfb:>10.0f}{median:>9.0f}{worst:>9.0f}  {', '.join(verdict)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=3, help="first visits per page and width")
    parser.add_argument("--width", type=int, action="append", help="360 and 1366 unless given")
    parser.add_argument(
        "--page",
        action="append",
        choices=[label for label, _key, _logged_in in PAGES],
        help="only this page (by its label); every page unless given",
    )
    options = parser.parse_args()
    widths = options.width or [360, 1366]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with throwaway_instance(demo=True) as instance:
        for width in widths:
            report(width, measure(instance, width, options.visits, options.page or []))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"goals: < {GOAL_BYTES // 1024} KB on the wire, DOMContentLoaded < {GOAL_DCL_MS} ms")


if __name__ == "__main__":
    main()
