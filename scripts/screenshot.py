"""The docs' screenshots: a throw-away demo instance served locally, shot in headless Chromium.

    .venv/bin/python scripts/screenshot.py --all       (what `make screenshot` runs: docs/*.png)
    .venv/bin/python scripts/screenshot.py --path /accounts/login/ --output /tmp/login.png

`--all` shoots the front door, a campaign and its reach dashboard (logged in as its host), each
at 360 and 1366 px, into docs/<page>-<width>.png; the README shows docs/front-1366.png.

The instance runs on its own temporary SQLite database, so the working copy's db.sqlite3 is
left alone. bench/pages.py starts its instance with `throwaway_instance` too.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 60
WIDTHS = (360, 1366)
HEIGHT = 800
# Every demo account shares this password (essaim.demo.content.DEMO_PASSWORD).
DEMO_PASSWORD = "essaim-demo-2026"  # noqa: S105

# Run inside the instance (manage.py shell): the addresses of the demo's showcase pages.
FIND_PAGES = """
import json
from django.urls import reverse
from essaim.campaigns.models import Campaign, Event
from essaim.communities.models import Community
live = Campaign.objects.filter(status="live", moderation="visible")
campaign = live.order_by("-created_at", "-id").first()
events = Event.objects.filter(status="approved").order_by("pk")
event = events.filter(campaign=campaign).first() or events.first()
community = Community.objects.order_by("slug").first()
print(json.dumps({
    "campaign": campaign.get_absolute_url(),
    "reach": f"/campaigns/{campaign.slug}/reach/",
    "host": campaign.created_by.email,
    "event": event.get_absolute_url() if event else "",
    "community": community.get_absolute_url(),
    "member": "camille@demo.essaim.test",
    "home": reverse("feed:home"),
    "campaigns": reverse("campaigns:list"),
    "communities": reverse("communities:list"),
    "aid": reverse("aid:list"),
    "login": reverse("account_login"),
    "signup": reverse("account_signup"),
}))
"""


@dataclass(frozen=True)
class Instance:
    base: str
    pages: dict[str, str]  # FIND_PAGES' answer; empty without the demo


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def manage(*arguments: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {STARTUP_SECONDS}s")


@contextmanager
def throwaway_instance(
    *, demo: bool, server_command: list[str] | None = None
) -> Iterator[Instance]:
    """A fresh instance (new SQLite database and media folder, the demo content when `demo`)
    served on a free loopback port until the block ends. `server_command` replaces
    runserver (its {port} filled in)."""
    with tempfile.TemporaryDirectory(prefix="essaim-instance-") as workdir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            "MEDIA_ROOT": f"{workdir}/media",
        }
        manage("migrate", "--noinput", "--verbosity", "0", env=env)
        pages: dict[str, str] = {}
        if demo:
            manage("demo_data", env=env)
            pages = json.loads(manage("shell", "-c", FIND_PAGES, env=env).strip().splitlines()[-1])
        port = free_port()
        command = server_command or [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "127.0.0.1:{port}",
        ]
        # Its banner would mix with what the callers print; its request log goes to stderr.
        server = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz", server)
            yield Instance(base=base, pages=pages)
        finally:
            server.terminate()
            server.wait(timeout=10)


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state("networkidle")


def shoot(page: Page, url: str, output: Path, *, full_page: bool = False) -> None:
    response = page.goto(url, wait_until="networkidle")
    if response is None or response.status != 200:
        status = None if response is None else response.status
        raise SystemExit(f"{url} answered {status}")
    output.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=output, full_page=full_page)
    print(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


def shoot_all(instance: Instance, language: str, folder: Path) -> None:
    """The front door and a campaign as a visitor sees them, the campaign's reach dashboard
    as its host does, at each of WIDTHS."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for width in WIDTHS:
            context = browser.new_context(
                locale=language, viewport={"width": width, "height": HEIGHT}, device_scale_factor=1
            )
            page = context.new_page()
            shoot(page, f"{instance.base}/", folder / f"front-{width}.png")
            shoot(
                page, instance.base + instance.pages["campaign"], folder / f"campaign-{width}.png"
            )
            log_in(page, instance.base, instance.pages["host"])
            shoot(page, instance.base + instance.pages["reach"], folder / f"reach-{width}.png")
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every docs/ screenshot (demo content)")
    parser.add_argument("--path", default="/", help="one page to shoot, e.g. / or /accounts/login/")
    parser.add_argument("--demo", action="store_true", help="load the demo content first")
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--language", default="fr-FR")
    parser.add_argument("--output", type=Path, default=Path("screenshot.png"))
    options = parser.parse_args()

    with throwaway_instance(demo=options.demo or options.all) as instance:
        if options.all:
            shoot_all(instance, options.language, ROOT / "docs")
            return
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(
                locale=options.language,
                viewport={"width": options.width, "height": HEIGHT},
                device_scale_factor=1,
            )
            shoot(context.new_page(), instance.base + options.path, options.output.resolve())
            browser.close()


if __name__ == "__main__":
    main()
