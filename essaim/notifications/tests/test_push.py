"""Web Push end to end: a device subscribes from its settings page, a notification of a kind it
pushes leaves through the outbox's `push` channel, encrypted for that device (a push service on
the loopback receives it and the device's keys decrypt it), in the reader's language; quiet
hours, the daily cap, 404/410, unsubscribing and account deletion."""

import json
import zoneinfo
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import ChallengeDay, CheckIn, Participant, Rsvp
from essaim.campaigns.services import events
from essaim.campaigns.tests.factories import CampaignFactory, ChallengeFactory, EventFactory
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.notifications import push, referrals, reminders, services
from essaim.notifications.models import (
    Notification,
    Preference,
    PushSchedule,
    PushSubscription,
)
from essaim.notifications.tests.push_receiver import Device, Receiver, push_service, unb64url
from essaim.relay.models import Supporter

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SUBJECT = "https://essaim.example"
SUBSCRIBE = reverse("notifications:push_subscribe")
UNSUBSCRIBE = reverse("notifications:push_unsubscribe")
NBSP = "\u00a0"


@pytest.fixture
def vapid(settings) -> dict[str, str]:
    """A key pair made by the management command, as an operator would."""
    output = StringIO()
    call_command("push_keys", stdout=output)
    keys = dict(line.split("=", 1) for line in output.getvalue().split())
    settings.PUSH_VAPID_PUBLIC_KEY = keys["PUSH_VAPID_PUBLIC_KEY"]
    settings.PUSH_VAPID_PRIVATE_KEY = keys["PUSH_VAPID_PRIVATE_KEY"]
    settings.PUSH_VAPID_SUBJECT = SUBJECT
    settings.PUSH_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    return keys


@pytest.fixture
def service(vapid) -> Iterator[Receiver]:
    with push_service() as receiver:
        yield receiver


@pytest.fixture
def midday(clock):
    """Wednesday 10 June 2026, 12:00 in Paris: outside the default quiet hours."""
    clock.now = datetime(2026, 6, 10, 12, 0, tzinfo=PARIS)
    return clock


def subscribe(client, user, device: Device, time_zone: str = "Europe/Paris"):
    client.force_login(user)
    return client.post(
        SUBSCRIBE,
        {"subscription": device.subscription_json(), "time_zone": time_zone, "device": "Test"},
        content_type="application/json",
    )


def milestone(user, key="relay:1:5"):
    return services.notify(
        user=user,
        kind=Kind.RELAY_MILESTONE,
        key=key,
        params={"campaign": "Fontaines", "count": 5},
        url="/campaigns/fontaines/",
    )


def send_due() -> int:
    return outbox.dispatch(here=True)


def jwt_claims(authorization: str) -> dict[str, object]:
    # "vapid t=<header.claims.signature>, k=<public key>"
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    claims: dict[str, object] = json.loads(unb64url(token.split(".")[1]))
    return claims


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", f"Votre lien de partage a maintenant amené 5 personnes à «{NBSP}Fontaines{NBSP}»."),
        ("en", "Your share link has now brought 5 people to “Fontaines”."),
    ],
)
def test_a_push_reaches_the_device_encrypted_in_the_readers_language(
    client, service, vapid, midday, settings, django_capture_on_commit_callbacks, language, text
):
    person = UserFactory.create(language=language, email="secret-address@example.org")
    device = Device(endpoint=f"{service.url}/push/device-1")
    response = subscribe(client, person, device)
    assert response.status_code == 200, response.content
    # Subscribing is asking: the reminders and news of the issue are pushed from now on.
    assert push.FIRST_DEVICE_KINDS == (
        Kind.CHALLENGE_PROMPT,
        Kind.EVENT_REMINDER,
        Kind.EVENT_PROMOTED,
        Kind.EVENT_ALTERED,
        Kind.RELAY_MILESTONE,
        Kind.MODERATION_DECISION,
    )
    assert set(
        Preference.objects.filter(user=person, push=True).values_list("kind", flat=True)
    ) == set(push.FIRST_DEVICE_KINDS)

    with django_capture_on_commit_callbacks(execute=True):
        notification = milestone(person)
        assert service.received == []  # nothing leaves before the commit
    assert notification is not None

    [received] = service.received
    assert received.path == "/push/device-1"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["urgency"] == "normal"
    assert int(received.headers["ttl"]) == int(push.DEFAULT_TTL.total_seconds())
    assert len(received.body) < 4096
    # Signed by the instance: the push service checks the key it was subscribed with.
    authorization = received.headers["authorization"]
    assert authorization.startswith("vapid t=")
    assert f"k={vapid['PUSH_VAPID_PUBLIC_KEY']}" in authorization
    claims = jwt_claims(authorization)
    assert claims["aud"] == service.url
    assert claims["sub"] == SUBJECT

    message = device.decrypt(received.body)
    assert message == {
        "title": "Essaim",
        "body": text,
        "url": f"{settings.SITE_URL}/campaigns/fontaines/",
        "tag": f"relay_milestone:{notification.pk}",
        "lang": language,
        "actions": [],
    }
    # What travels is encrypted, and carries no address even inside.
    assert b"secret-address" not in received.body
    assert "secret-address" not in json.dumps(message)
    [sent] = OutboxMessage.objects.filter(channel="push")
    assert sent.state == OutboxMessage.State.SENT
    assert sent.payload == {
        "notification": notification.pk,
        "subscription": PushSubscription.objects.get().pk,
        "user": person.pk,
    }


def test_push_is_off_until_the_person_asks(client, service, midday):
    person = UserFactory.create()
    milestone(person)
    assert OutboxMessage.objects.filter(channel="push").count() == 0
    # A device of theirs, but the kind not pushed: nothing either.
    subscribe(client, person, Device(endpoint=f"{service.url}/push/a"))
    Preference.objects.filter(user=person).update(push=False)
    milestone(person, key="relay:1:10")
    assert OutboxMessage.objects.filter(channel="push").count() == 0


def test_a_410_drops_that_device_only(client, service, midday):
    person = UserFactory.create()
    gone = Device(endpoint=f"{service.url}/push/gone")
    kept = Device(endpoint=f"{service.url}/push/kept")
    subscribe(client, person, gone)
    subscribe(client, person, kept)
    service.answers["/push/gone"] = 410
    milestone(person)
    assert send_due() == 2
    assert sorted(received.path for received in service.received) == ["/push/gone", "/push/kept"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]
    states = dict(
        OutboxMessage.objects.filter(channel="push").values_list("payload__subscription", "state")
    )
    assert sorted(states.values()) == [OutboxMessage.State.DEAD, OutboxMessage.State.SENT]
    # The next notification goes to the device left, once.
    milestone(person, key="relay:1:10")
    send_due()
    assert [received.path for received in service.received[2:]] == ["/push/kept"]


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_device_is_forgotten_with_what_waited_for_it(client, service, midday, status):
    person = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/x")
    subscribe(client, person, device)
    service.answers["/push/x"] = status
    milestone(person)
    milestone(person, key="relay:1:10")
    [first, second] = OutboxMessage.objects.filter(channel="push").order_by("pk")
    outbox.deliver(outbox.claim(owner="test", ids=[first.pk]), owner="test")
    assert PushSubscription.objects.count() == 0
    assert not OutboxMessage.objects.filter(pk=second.pk).exists()
    assert OutboxMessage.objects.get(pk=first.pk).state == OutboxMessage.State.DEAD


def test_a_push_service_error_is_tried_again(client, service, midday):
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/busy"))
    service.answers["/push/busy"] = 503
    milestone(person)
    send_due()
    [message] = OutboxMessage.objects.filter(channel="push")
    assert message.state == OutboxMessage.State.PENDING
    assert message.attempts == 1
    assert message.due_at > midday.now
    assert PushSubscription.objects.count() == 1


def test_quiet_hours_hold_a_push_until_the_morning(client, service, clock):
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/night"))
    notification = milestone(person)
    [message] = OutboxMessage.objects.filter(channel="push")
    assert message.due_at == datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)
    assert send_due() == 0
    clock.now = datetime(2026, 6, 11, 7, 59, tzinfo=PARIS)
    assert send_due() == 0
    assert service.received == []
    clock.now = datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)
    assert send_due() == 1
    assert len(service.received) == 1
    # Counted on the day it is pushed.
    assert Notification.objects.get(pk=notification.pk).push_day == datetime(2026, 6, 11).date()


def test_quiet_hours_are_the_persons_own_in_their_time_zone(client, service, clock):
    # 22:30 in Paris is 16:30 in New York: not quiet there.
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/ny"), "America/New_York")
    assert PushSchedule.objects.get(user=person).time_zone == "America/New_York"
    milestone(person)
    assert send_due() == 1
    # Changed to 16:00–17:00 there: held until 17:00 New York time.
    push.schedule_set(user=person, quiet_from=time(16), quiet_until=time(17))
    milestone(person, key="relay:1:10")
    held = OutboxMessage.objects.filter(channel="push", state=OutboxMessage.State.PENDING).get()
    assert held.due_at == datetime(2026, 6, 10, 17, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("quiet", "local", "until"),
    [
        ((21, 8), datetime(2026, 6, 10, 20, 59), None),
        ((21, 8), datetime(2026, 6, 10, 21, 0), datetime(2026, 6, 11, 8, 0)),
        ((21, 8), datetime(2026, 6, 10, 23, 59), datetime(2026, 6, 11, 8, 0)),
        ((21, 8), datetime(2026, 6, 11, 0, 30), datetime(2026, 6, 11, 8, 0)),
        ((21, 8), datetime(2026, 6, 11, 8, 0), None),
        ((13, 14), datetime(2026, 6, 10, 13, 30), datetime(2026, 6, 10, 14, 0)),
        ((13, 14), datetime(2026, 6, 10, 14, 30), None),
        ((8, 8), datetime(2026, 6, 10, 3, 0), None),
    ],
)
def test_when_quiet_hours_end(quiet, local, until):
    schedule = PushSchedule(
        time_zone="Europe/Paris", quiet_from=time(quiet[0]), quiet_until=time(quiet[1])
    )
    expected = until.replace(tzinfo=PARIS) if until else None
    assert push.quiet_until(local.replace(tzinfo=PARIS), schedule) == expected


def test_never_more_than_the_daily_cap(client, service, midday, settings):
    settings.PUSH_DAILY_CAP = 2
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/a"))
    subscribe(client, person, Device(endpoint=f"{service.url}/push/b"))
    for count in (5, 10, 25):
        milestone(person, key=f"relay:1:{count}")
    # Two notifications pushed, to both devices; the third stays in-app (and by e-mail).
    assert OutboxMessage.objects.filter(channel="push").count() == 4
    assert Notification.objects.filter(user=person).count() == 3
    assert Notification.objects.filter(user=person, push_day__isnull=False).count() == 2
    # The next day counts afresh.
    midday.advance(days=1)
    milestone(person, key="relay:1:50")
    assert OutboxMessage.objects.filter(channel="push").count() == 6


def test_a_reminder_held_past_its_moment_is_not_pushed(client, service, clock):
    clock.now = datetime(2026, 6, 10, 22, 0, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/r"))
    event = EventFactory.create(starts_at=clock.now + timedelta(minutes=90))
    services.notify(
        user=person,
        kind=Kind.EVENT_REMINDER,
        key=f"event:{event.pk}:soon",
        params={"event": event.title, "when": event.starts_at.isoformat(), "soon": True},
    )
    # Quiet until 08:00, long after the event started: nothing to push.
    assert OutboxMessage.objects.filter(channel="push").count() == 0


def test_a_reminder_waiting_for_the_morning_is_not_pushed_once_its_event_moved(
    client, service, clock
):
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/moved"))
    start = datetime(2026, 6, 11, 18, 0, tzinfo=PARIS)
    event = EventFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    Rsvp.objects.create(event=event, user=person, status=Rsvp.Status.CONFIRMED, position=1)
    reminders.event_reminders(clock.now)
    [waiting] = OutboxMessage.objects.filter(channel="push")
    assert waiting.due_at == datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)

    events.event_update(
        actor=event.campaign.created_by,
        event=event,
        title=event.title,
        address=event.address,
        city=event.city,
        capacity=event.capacity,
        starts_at=start + timedelta(days=7),
        ends_at=start + timedelta(days=7, hours=2),
    )

    clock.now = datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)
    send_due()
    assert service.received == []
    assert OutboxMessage.objects.get(pk=waiting.pk).state == "cancelled"


def test_an_event_reminder_goes_urgent_and_lives_until_the_event(client, service, midday):
    person = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/e")
    subscribe(client, person, device)
    event = EventFactory.create(starts_at=midday.now + timedelta(hours=2))
    services.notify(
        user=person,
        kind=Kind.EVENT_REMINDER,
        key=f"event:{event.pk}:soon",
        params={"event": "Nettoyage", "when": event.starts_at.isoformat(), "soon": True},
    )
    send_due()
    [received] = service.received
    assert received.headers["urgency"] == "high"
    assert int(received.headers["ttl"]) == 2 * 3600
    assert device.decrypt(received.body)["body"] == (
        f"«{NBSP}Nettoyage{NBSP}» commence bientôt, à 10 juin 2026 14:00{NBSP}: "
        f"à tout à l’heure{NBSP}!"
    )


def challenge_prompt(person, midday):
    today = midday.now.date()
    challenge = ChallengeFactory.create(
        starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=5)
    )
    ChallengeDay.objects.create(challenge=challenge, date=today, prompt="Ramasser 10 déchets")
    Participant.objects.create(challenge=challenge, user=person)
    reminders.challenge_prompts(today)
    return challenge


def test_done_today_checks_in_once_and_not_the_next_day(client, service, midday):
    person = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/c")
    subscribe(client, person, device)
    client.logout()  # the button works without a session
    challenge = challenge_prompt(person, midday)
    send_due()
    [received] = service.received
    message = device.decrypt(received.body)
    assert message["body"] == (
        f"Le défi du jour pour «{NBSP}{challenge.campaign.title}{NBSP}»{NBSP}: Ramasser 10 déchets"
    )
    [action] = message["actions"]
    assert action["action"] == "done"
    assert action["title"] == "Fait aujourd’hui"
    done_url = action["post"].removeprefix("http://127.0.0.1:8000")

    first = client.post(done_url)
    assert first.status_code == 200
    assert first.json() == {
        "title": challenge.campaign.title,
        "detail": f"Journée validée{NBSP}: bravo{NBSP}!",
        "created": True,
    }
    again = client.post(done_url)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert CheckIn.objects.filter(participant__user=person).count() == 1

    # Kept and pressed the next day: refused, and no check-in for that day.
    midday.advance(days=1)
    replay = client.post(done_url)
    assert replay.status_code == 400
    assert "détail" not in replay.json()
    assert replay.json()["detail"].startswith("Ce bouton était pour un autre jour")
    assert list(
        CheckIn.objects.filter(participant__user=person).values_list("date", flat=True)
    ) == [midday.now.date() - timedelta(days=1)]


def test_a_forged_or_altered_done_button_is_refused(client, service, midday):
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/f"))
    challenge_prompt(person, midday)
    send_due()
    forged = client.post(reverse("notifications:push_done", args=["not-a-token"]))
    assert forged.status_code == 404
    assert "detail" in forged.json()
    assert client.get(reverse("notifications:push_done", args=["x"])).status_code == 405
    assert CheckIn.objects.count() == 0


def test_subscribing_refuses_what_the_server_must_not_post_to(client, vapid, settings):
    person = UserFactory.create()
    settings.PUSH_ALLOW_HTTP_HOSTS = []
    for endpoint in (
        "http://127.0.0.1:9/push",  # a local address, not allowed here
        "https://169.254.169.254/latest",  # not a push service
        "https://evil.example/fcm.googleapis.com",
        "https://user:pw@fcm.googleapis.com/x",
        "https://fcm.googleapis.com:8443/x",
    ):
        response = subscribe(client, person, Device(endpoint=endpoint))
        assert response.status_code == 400, endpoint
        assert response.json()["detail"]
    assert subscribe(client, person, Device(endpoint="https://fcm.googleapis.com/fcm/send/abc"))
    assert PushSubscription.objects.count() == 1
    bad_keys = Device(endpoint="https://updates.push.services.mozilla.com/wpush/v2/x")
    body = {"subscription": bad_keys.subscription_json() | {"keys": {"p256dh": "x", "auth": "y"}}}
    response = client.post(SUBSCRIBE, body, content_type="application/json")
    assert response.status_code == 400
    response = client.post(SUBSCRIBE, "not json", content_type="application/json")
    assert response.status_code == 400
    assert PushSubscription.objects.count() == 1


def test_subscribing_needs_a_log_in_and_push_set_up(client, settings, vapid):
    device = Device(endpoint="https://fcm.googleapis.com/fcm/send/abc")
    response = client.post(
        SUBSCRIBE, {"subscription": device.subscription_json()}, content_type="application/json"
    )
    assert response.status_code == 302
    settings.PUSH_VAPID_PRIVATE_KEY = ""
    response = subscribe(client, UserFactory.create(), device)
    assert response.status_code == 400
    assert PushSubscription.objects.count() == 0


def test_unsubscribing_one_device_leaves_the_others(client, service, midday):
    person, other = UserFactory.create_batch(2)
    phone = Device(endpoint=f"{service.url}/push/phone")
    laptop = Device(endpoint=f"{service.url}/push/laptop")
    theirs = Device(endpoint=f"{service.url}/push/theirs")
    subscribe(client, other, theirs)
    subscribe(client, person, phone)
    subscribe(client, person, laptop)
    milestone(person)  # waiting for both devices
    # Someone else's endpoint: nothing happens.
    response = client.post(
        UNSUBSCRIBE, {"endpoint": theirs.endpoint}, content_type="application/json"
    )
    assert response.json()["deleted"] == 0
    response = client.post(
        UNSUBSCRIBE, {"endpoint": phone.endpoint}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["deleted"] == 1
    assert set(PushSubscription.objects.values_list("endpoint", flat=True)) == {
        laptop.endpoint,
        theirs.endpoint,
    }
    send_due()
    assert [received.path for received in service.received] == ["/push/laptop"]


def test_a_device_moving_to_another_account_is_theirs_alone(client, service):
    first, second = UserFactory.create_batch(2)
    device = Device(endpoint=f"{service.url}/push/shared")
    subscribe(client, first, device)
    subscribe(client, second, device)
    assert PushSubscription.objects.get().user == second


def test_account_deletion_removes_every_subscription(client, service, clock):
    clock.now = datetime(2026, 6, 10, 23, 0, tzinfo=PARIS)  # held for the morning
    person, other = UserFactory.create_batch(2)
    subscribe(client, person, Device(endpoint=f"{service.url}/push/1"))
    subscribe(client, person, Device(endpoint=f"{service.url}/push/2"))
    subscribe(client, other, Device(endpoint=f"{service.url}/push/3"))
    milestone(person)
    assert OutboxMessage.objects.filter(channel="push").count() == 2
    services.erase(person)
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [other.pk]
    assert OutboxMessage.objects.filter(channel="push").count() == 0
    assert not PushSchedule.objects.filter(user=person).exists()


def test_the_export_lists_devices_without_their_keys(client, service):
    person = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/1")
    subscribe(client, person, device)
    exported = services.export(person)
    assert [entry["device"] for entry in exported["push devices"]] == ["Test"]
    assert device.auth not in json.dumps(exported)
    assert exported["push preferences"] == sorted(push.FIRST_DEVICE_KINDS)


def freed_place(client, service, midday):
    """`second` waits for the one place of an event in three days, which `first` gives back;
    returns the event, both people and the push `second`'s device received."""
    event = EventFactory.create(capacity=1, starts_at=midday.now + timedelta(days=3))
    first = UserFactory.create()
    second = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/waiting")
    subscribe(client, second, device)
    client.logout()  # the buttons work without a session
    events.rsvp_create(user=first, event=event)
    events.rsvp_create(user=second, event=event)
    events.rsvp_cancel(user=first, event=event)
    send_due()
    [received] = service.received
    return event, first, second, device.decrypt(received.body)


def button(message, action: str) -> str:
    [chosen] = [entry for entry in message["actions"] if entry["action"] == action]
    return str(chosen["post"]).removeprefix("http://127.0.0.1:8000")


def test_a_freed_place_is_pushed_with_a_keep_and_a_give_back_button(client, service, midday):
    event, _first, _second, message = freed_place(client, service, midday)
    assert message["body"] == (
        f"Une place s’est libérée{NBSP}: vous participez désormais à «{NBSP}{event.title}{NBSP}» "
        "le 13 juin 2026 12:00."
    )
    assert message["url"] == f"http://127.0.0.1:8000{event.get_absolute_url()}"
    assert [(entry["action"], entry["title"]) for entry in message["actions"]] == [
        ("keep", "Je viens"),
        ("release", "Je ne peux pas venir"),
    ]


def test_a_freed_place_written_before_its_buttons_keeps_a_link(client, service, midday):
    """A notice written before notices named the answer has no token: a link to the place."""
    event, _first, second, message = freed_place(client, service, midday)
    notice = Notification.objects.get(user=second, kind=Kind.EVENT_PROMOTED)
    notice.params = {"event": event.title, "when": event.starts_at.isoformat()}
    notice.save(update_fields=["params"])
    assert push.message_for(notice, second)["actions"] == [
        {"action": "open", "title": "Voir ma place", "url": message["url"]}
    ]


def test_i_cannot_come_gives_the_place_to_the_next_person_once(client, service, midday):
    event, first, second, message = freed_place(client, service, midday)
    third = UserFactory.create()
    events.rsvp_create(user=third, event=event)
    release = button(message, "release")

    answer = client.post(release)
    assert answer.status_code == 200
    assert answer.json() == {
        "title": event.title,
        "detail": "Votre place va à la personne suivante sur la liste d'attente. "
        "Merci de l'avoir signalé.",
        "created": True,
    }
    statuses = dict(event.rsvps.values_list("user_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "cancelled", third.pk: "confirmed"}

    again = client.post(release)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["detail"] == "Vous aviez déjà rendu votre place."
    assert dict(event.rsvps.values_list("user_id", "status")) == statuses
    # "I'm coming" after giving it back: refused, and nothing changes.
    kept = client.post(button(message, "keep"))
    assert kept.status_code == 400
    assert dict(event.rsvps.values_list("user_id", "status")) == statuses


def test_i_am_coming_keeps_the_place_and_writes_nothing(client, service, midday):
    event, _first, _second, message = freed_place(client, service, midday)
    before = list(event.rsvps.order_by("pk").values_list("user_id", "status", "updated_at"))
    for _press in range(2):
        answer = client.post(button(message, "keep"))
        assert answer.status_code == 200
        assert answer.json() == {
            "title": event.title,
            "detail": f"Votre place est gardée{NBSP}: à bientôt{NBSP}!",
            "created": False,
        }
    assert list(event.rsvps.order_by("pk").values_list("user_id", "status", "updated_at")) == (
        before
    )


def test_a_give_back_button_does_nothing_to_a_later_answer(client, service, midday):
    """Replayed: the person gave the place back by the site, then answered again (queued at
    a new position); the old button must not cancel the new answer."""
    event, _first, second, message = freed_place(client, service, midday)
    events.rsvp_cancel(user=second, event=event)
    again = events.rsvp_create(user=second, event=event)
    assert again.status == "confirmed"
    for action in ("release", "keep"):
        replay = client.post(button(message, action))
        assert replay.status_code == 400
        assert replay.json()["detail"].startswith("Vous avez répondu à nouveau")
    again.refresh_from_db()
    assert again.status == "confirmed"


def test_a_freed_place_button_stops_working_when_the_event_starts(client, service, midday):
    event, _first, second, message = freed_place(client, service, midday)
    midday.advance(days=3)
    for action in ("release", "keep"):
        late = client.post(button(message, action))
        assert late.status_code == 400
        assert late.json()["detail"].startswith("Cet événement a commencé")
    assert event.rsvps.get(user=second).status == "confirmed"


@pytest.mark.parametrize("choice", ["keep", "release", "other"])
def test_a_forged_freed_place_button_is_refused(client, service, midday, choice):
    event, _first, second, message = freed_place(client, service, midday)
    token = button(message, "release").rstrip("/").rsplit("/", 1)[1]
    for forged in (
        reverse("notifications:push_place", args=[choice, token + "x"]),
        reverse("notifications:push_place", args=["other", token]),
    ):
        answer = client.post(forged)
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Ce bouton n'est plus valable."}
    assert client.get(button(message, "release")).status_code == 405
    assert event.rsvps.get(user=second).status == "confirmed"


def test_a_referral_milestone_is_pushed_once(client, service, midday):
    referrer = UserFactory.create(language="en")
    device = Device(endpoint=f"{service.url}/push/referrer")
    subscribe(client, referrer, device)
    campaign = CampaignFactory.create(title="Fontaines")
    for person in UserFactory.create_batch(10):
        Supporter.objects.create(
            campaign=campaign,
            user=person,
            action=Supporter.Action.SIGN,
            referrer=referrer,
            created_at=midday.now,
            day=midday.now.date(),
            root=referrer,
            generation=1,
        )
    referrals.referrals_recorded(campaign_id=campaign.pk, referrer_ids=[referrer.pk])
    referrals.referrals_recorded(campaign_id=campaign.pk, referrer_ids=[referrer.pk])
    send_due()
    [received] = service.received
    assert device.decrypt(received.body)["body"] == (
        "Your share link has now brought 10 people to “Fontaines”."
    )
