"""The installable app in Chromium: the manifest is read, the service worker registers for the
whole site, and the offline page shows once the network is gone."""

import json

from django.urls import reverse
from playwright.sync_api import Page, expect

WAIT_FOR_WORKER = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return {scope: registration.scope, script: registration.active.scriptURL};
}"""


def test_manifest_and_service_worker_register(page: Page, live_server) -> None:
    page.goto(reverse("campaigns:list"))
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert href == "/manifest.webmanifest"
    manifest = page.evaluate("async (href) => (await fetch(href)).text()", href)
    assert json.loads(manifest)["display"] == "standalone"
    worker = page.evaluate(WAIT_FOR_WORKER)
    assert worker == {"scope": f"{live_server.url}/", "script": f"{live_server.url}/sw.js"}
    # The shell is cached once the worker is installed, the offline page with it.
    cached = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const cache = await caches.open(names.find((name) => name.startsWith("essaim-shell-")));
          return (await cache.keys()).map((request) => new URL(request.url).pathname);
        }"""
    )
    assert "/offline/" in cached
    assert "/static/essaim/essaim.css" in cached
    assert not [path for path in cached if path.startswith(("/campaigns", "/people", "/notif"))]


def test_offline_page_shows_when_the_server_cannot_be_reached(page: Page) -> None:
    page.goto(reverse("campaigns:list"))
    page.evaluate(WAIT_FOR_WORKER)
    # The page that registered it is not controlled yet: a reload puts it under the worker.
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.goto(reverse("communities:list"))
    expect(page.get_by_test_id("offline")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Vous êtes hors ligne")
    page.context.set_offline(False)
    page.goto(reverse("communities:list"))
    expect(page.get_by_test_id("offline")).to_have_count(0)
