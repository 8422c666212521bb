"""Take the README's screenshot: a throw-away instance served locally, shot in headless Chromium.

    .venv/bin/python scripts/screenshot.py --path / --demo          (what `make screenshot` runs)
    .venv/bin/python scripts/screenshot.py --path /accounts/login/

The instance runs on its own temporary SQLite database, so the working copy's db.sqlite3 is
left alone.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def manage(*arguments: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


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


def shoot(url: str, output: Path, language: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            locale=language, viewport={"width": 1280, "height": 800}, device_scale_factor=1
        )
        page = context.new_page()
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status != 200:
            status = None if response is None else response.status
            raise SystemExit(f"{url} answered {status}")
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=output)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/", help="page to shoot, e.g. / or /accounts/login/")
    parser.add_argument("--demo", action="store_true", help="load the demo content first")
    parser.add_argument("--language", default="fr-FR")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="essaim-screenshot-") as workdir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            "MEDIA_ROOT": f"{workdir}/media",
        }
        manage("migrate", "--noinput", "--verbosity", "0", env=env)
        if options.demo:
            manage("demo_data", env=env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz", server)
            shoot(f"{base}{options.path}", options.output, options.language)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote {options.output}")


if __name__ == "__main__":
    main()
