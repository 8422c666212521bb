"""The installable app in Chromium: the manifest is read, the service worker registers for the
whole site, and the offline page shows once the network is gone."""

import json
from collections.abc import Iterator
from datetime import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.core import outbox
from essaim.notifications import services
from essaim.notifications.models import Notification, PushSchedule, PushSubscription
from essaim.notifications.tests.push_receiver import Device, Receiver, push_service, unb64url
from tests.browser.conftest import LogIn, NewPage

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


# The browser's push service, faked where the page meets it: PushManager answers with a
# subscription whose endpoint is the test's loopback receiver and whose keys the test holds,
# as a real push service's would be. Everything else (the page, push.js, the service worker,
# the views, the outbox, the encryption) is the real one.
FAKE_PUSH_MANAGER = """
(() => {
  const device = %s;
  const key = "fake-push-subscription";
  function subscription() {
    return {
      endpoint: device.endpoint,
      expirationTime: null,
      toJSON() { return device; },
      unsubscribe() { localStorage.removeItem(key); return Promise.resolve(true); },
    };
  }
  PushManager.prototype.subscribe = function (options) {
    if (!options || !options.userVisibleOnly || !options.applicationServerKey) {
      return Promise.reject(new DOMException("missing options", "NotAllowedError"));
    }
    localStorage.setItem(key, "1");
    window.__applicationServerKey = Array.from(new Uint8Array(options.applicationServerKey));
    return Promise.resolve(subscription());
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem(key) ? subscription() : null);
  };
})();
"""


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """Push set up with a key pair of its own, and a push service on the loopback."""
    output = StringIO()
    call_command("push_keys", stdout=output)
    keys = dict(line.split("=", 1) for line in output.getvalue().split())
    settings.PUSH_VAPID_PUBLIC_KEY = keys["PUSH_VAPID_PUBLIC_KEY"]
    settings.PUSH_VAPID_PRIVATE_KEY = keys["PUSH_VAPID_PRIVATE_KEY"]
    settings.PUSH_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    with push_service() as service:
        yield service


def test_the_preferences_page_turns_push_on_and_off_for_this_device(
    new_page: NewPage, log_in: LogIn, member: User, receiver: Receiver, settings
) -> None:
    device = Device(endpoint=f"{receiver.url}/push/browser")
    page = new_page(permissions=["notifications"])
    page.add_init_script(FAKE_PUSH_MANAGER % json.dumps(device.subscription_json()))
    log_in(page, member)
    page.goto(reverse("notifications:preferences"))
    box = page.get_by_test_id("push-device")
    expect(page.get_by_test_id("push-state")).to_have_text(
        "Les notifications sont désactivées sur cet appareil."
    )
    page.get_by_test_id("push-on").click()
    expect(page.get_by_test_id("push-state")).to_have_text(
        "Les notifications sont activées sur cet appareil."
    )
    expect(box).to_have_attribute("data-subscribed", "true")
    # The page handed the push service this instance's public key.
    sent_key = bytes(page.evaluate("() => window.__applicationServerKey"))
    assert sent_key == unb64url(settings.PUSH_VAPID_PUBLIC_KEY)
    [subscription] = PushSubscription.objects.all()
    assert subscription.user == member
    assert subscription.endpoint == device.endpoint
    assert PushSchedule.objects.get(user=member).time_zone == "Europe/Paris"

    # A notification the device now receives, decrypted with its keys (no quiet hours: the
    # test runs at any time of day).
    PushSchedule.objects.filter(user=member).update(quiet_from=time(0), quiet_until=time(0))
    services.notify(
        user=member,
        kind=Notification.Kind.RELAY_MILESTONE,
        key="relay:1:5",
        params={"campaign": "Fontaines", "count": 5},
        url="/campaigns/",
    )
    outbox.dispatch(here=True)
    [received] = receiver.received
    message = device.decrypt(received.body)
    assert message["body"].startswith("Votre lien de partage a maintenant amené 5 personnes")

    # Back on the page later: it knows this device is on, and turns it off.
    page.reload()
    expect(box).to_have_attribute("data-subscribed", "true")
    page.get_by_test_id("push-off").click()
    expect(page.get_by_test_id("push-state")).to_have_text(
        "Les notifications sont désactivées sur cet appareil."
    )
    assert PushSubscription.objects.count() == 0
    assert page.evaluate("() => localStorage.getItem('fake-push-subscription')") is None
