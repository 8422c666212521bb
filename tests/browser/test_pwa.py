"""The installable app in Chromium: the manifest is read, the service worker registers for the
whole site, Chromium's installability check passes, the offline page shows once the network or
the server is gone, and the notifications the worker shows act when clicked."""

import contextlib
import json
import socket
from collections.abc import Iterator
from datetime import time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import ChallengeDay, CheckIn, Participant
from essaim.campaigns.services import events
from essaim.campaigns.tests.factories import ChallengeFactory, EventFactory
from essaim.core import outbox
from essaim.notifications import push, reminders, services
from essaim.notifications.models import Notification, PushSchedule, PushSubscription
from essaim.notifications.tests.push_receiver import Device, Receiver, push_service, unb64url
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS, LogIn, NewPage

NBSP = "\u00a0"
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


class StoppableServer(ThreadedWSGIServer):
    """A live server that, stopped, cuts the connections it kept alive, as a server that goes
    down does: otherwise a browser would still get pages over a connection opened before."""

    # Request threads that server_close() joins, so none is left using the shared database
    # connection once the server is gone.
    daemon_threads = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_requests: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.open_requests.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.open_requests.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        for request in list(self.open_requests):
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
        super().server_close()


class OwnServer:
    """A server of the test's own, which it may stop (the session's live server serves the
    other tests), on a free loopback port and the same test database."""

    def __init__(self) -> None:
        self.server = LiveServer("127.0.0.1:0", start=False)
        self.server.thread.server_class = StoppableServer
        self.server.start()
        self.url = self.server.url
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.stop()


@pytest.fixture
def own_server() -> Iterator[OwnServer]:
    server = OwnServer()
    yield server
    server.stop()


def test_offline_page_shows_when_the_server_is_down(
    new_page: NewPage, own_server: OwnServer, log_in: LogIn, member: User
) -> None:
    page = new_page(base_url=own_server.url)
    log_in(page, member)
    preferences = reverse("notifications:preferences")
    page.goto(preferences)
    page.evaluate(WAIT_FOR_WORKER)
    # The page that registered it is not controlled yet: a reload puts it under the worker,
    # and the personal page is fetched once more through it.
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    logged_in = page.locator(f'form[action="{reverse("account_logout")}"]')
    expect(logged_in).to_have_count(1)

    own_server.stop()
    for path in (preferences, reverse("communities:list")):
        page.goto(path)
        expect(page.get_by_test_id("offline")).to_be_visible()
        expect(page.locator("h1")).to_have_text("Vous êtes hors ligne")
        # Nothing personal was kept: neither the page seen before nor the person's name.
        expect(logged_in).to_have_count(0)
        assert member.email not in page.content()
    # The shell's style comes from the cache too.
    assert page.evaluate(
        "() => [...document.styleSheets].some((sheet) => sheet.cssRules.length > 0)"
    )


def test_offline_page_shows_when_the_network_is_gone(page: Page) -> None:
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


# Chromium has no DevTools command to click a notification. The worker is handed the
# NotificationEvent the browser's notification centre would fire, on the notification the
# worker itself showed; what the centre's trusted event adds, the test stands in for: keeping
# the worker alive (waitUntil refuses a script's event) and the permission to open or focus a
# window, which only a person's click gives (the test records where it would go).
CLICK = """async ({tag, action}) => {
  const [notification] = await self.registration.getNotifications({tag});
  const event = new NotificationEvent("notificationclick", {notification, action});
  const pending = [];
  Object.defineProperty(event, "waitUntil", {value: (promise) => pending.push(promise)});
  const opened = [];
  self.clients.openWindow = (url) => { opened.push(url); return Promise.resolve(null); };
  self.dispatchEvent(event);
  const late = new Promise((resolve, reject) =>
    setTimeout(() => reject(new Error("the click's work did not end within 15 s")), 15000));
  await Promise.race([Promise.all(pending), late]);
  const shown = await self.registration.getNotifications();
  return {
    opened,
    shown: shown.map((left) => ({title: left.title, body: left.body, tag: left.tag})),
  };
}"""

# Waits until the push handler has shown the notification tagged `tag`: ten seconds at most
# (Playwright puts no time limit on an evaluation; a push never shown would hang the run).
SHOWN = """async (tag) => {
  for (let waited = 0; waited < 10000; waited += 50) {
    const [notification] = await self.registration.getNotifications({tag});
    if (notification) {
      return {title: notification.title, body: notification.body,
              actions: notification.actions.map((action) => action.title)};
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no notification tagged ${tag} after 10 s`);
}"""


class Worker:
    """The site's service worker in a page allowed to show notifications, and a push service
    that delivers to it (DevTools' ServiceWorker.deliverPushMessage)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.cdp = page.context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        self.cdp.send("ServiceWorker.enable")
        page.goto(reverse("campaigns:list"))
        page.evaluate(WAIT_FOR_WORKER)
        [self.worker] = page.context.service_workers
        # DevTools tells of the registration on its own time: events arrive while Playwright
        # waits, up to the test's timeout.
        deadline = DEFAULT_TIMEOUT_MS
        while not [entry for entry in registrations if not entry["isDeleted"]] and deadline > 0:
            page.wait_for_timeout(50)
            deadline -= 50
        [self.registration_id] = {
            entry["registrationId"] for entry in registrations if not entry["isDeleted"]
        }

    def push(self, message: dict[str, Any]) -> dict[str, Any]:
        """Delivers `message` as the push service would, and returns the notification shown."""
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": self.origin,
                "registrationId": self.registration_id,
                "data": json.dumps(message, ensure_ascii=False),
            },
        )
        shown: dict[str, Any] = self.worker.evaluate(SHOWN, message["tag"])
        return shown

    def click(self, tag: str, action: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.worker.evaluate(CLICK, {"tag": tag, "action": action})
        return result


@pytest.fixture
def worker(new_page: NewPage, live_server, settings) -> Worker:
    # The links a push carries are built outside any request: on the site's address.
    settings.SITE_URL = live_server.url
    page = new_page(permissions=["notifications"])
    return Worker(page, live_server.url)


def test_done_today_from_the_notification_checks_in_once(worker: Worker, receiver) -> None:
    person = UserFactory.create(language="fr")
    today = timezone.localdate()
    challenge = ChallengeFactory.create(starts_on=today, ends_on=today + timedelta(days=5))
    ChallengeDay.objects.create(challenge=challenge, date=today, prompt="Ramasser 10 déchets")
    Participant.objects.create(challenge=challenge, user=person)
    reminders.challenge_prompts(today)
    message = push.message_for(Notification.objects.get(user=person), person)

    shown = worker.push(message)
    assert shown["body"].endswith("Ramasser 10 déchets")
    assert shown["actions"] == ["Fait aujourd’hui"]
    clicked = worker.click(message["tag"], "done")
    # Checked in without a page: the answer replaces the prompt.
    assert clicked == {
        "opened": [],
        "shown": [
            {
                "title": challenge.campaign.title,
                "body": f"Journée validée{NBSP}: bravo{NBSP}!",
                "tag": message["url"],
            }
        ],
    }
    assert CheckIn.objects.filter(participant__user=person, date=today).count() == 1

    worker.push(message)
    again = worker.click(message["tag"], "done")
    assert [entry["body"] for entry in again["shown"]] == ["Vous aviez déjà validé votre journée."]
    assert CheckIn.objects.filter(participant__user=person).count() == 1


def test_a_freed_place_from_the_notification(worker: Worker, receiver) -> None:
    event = EventFactory.create(capacity=1, starts_at=timezone.now() + timedelta(days=3))
    first, second, third = UserFactory.create_batch(3, language="fr")
    for person in (first, second, third):
        events.rsvp_create(user=person, event=event)
    events.rsvp_cancel(user=first, event=event)
    message = push.message_for(Notification.objects.get(user=second), second)
    shown = worker.push(message)
    assert shown["actions"] == ["Je viens", "Je ne peux pas venir"]

    kept = worker.click(message["tag"], "keep")
    assert [entry["body"] for entry in kept["shown"]] == [
        f"Votre place est gardée{NBSP}: à bientôt{NBSP}!"
    ]
    assert event.rsvps.get(user=second).status == "confirmed"

    worker.push(message)
    released = worker.click(message["tag"], "release")
    assert [entry["body"] for entry in released["shown"]] == [
        "Votre place va à la personne suivante sur la liste d'attente. Merci de l'avoir signalé."
    ]
    assert dict(event.rsvps.values_list("user_id", "status")) == {
        first.pk: "cancelled",
        second.pk: "cancelled",
        third.pk: "confirmed",
    }

    # The notification itself, not a button: the event's page opens.
    worker.push(message)
    opened = worker.click(message["tag"])
    assert opened["opened"] == [f"{worker.origin}{event.get_absolute_url()}"]
    assert message["tag"] not in [entry["tag"] for entry in opened["shown"]]


def test_chromium_finds_the_app_installable(browser, live_server, tmp_path) -> None:
    """What Lighthouse's installability audit asks Chromium. A persistent profile: Chromium
    never offers to install from an incognito one, which Playwright's contexts are."""
    context = browser.browser_type.launch_persistent_context(
        tmp_path,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        locale="fr-FR",
    )
    try:
        page = context.new_page()
        page.goto("/")
        page.evaluate(WAIT_FOR_WORKER)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        parsed = manifest["manifest"]
        assert parsed["display"] == "kStandalone"
        assert parsed["startUrl"] == f"{live_server.url}/?source=app"
        assert parsed["scope"] == f"{live_server.url}/"
    finally:
        context.close()
