"""A push leaves through the outbox encrypted for its device, in the reader's language; a gone
device is forgotten, a push service's error tried again, an event reminder sent urgent."""

import json
from datetime import timedelta

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import CampaignFactory, EventFactory
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.notifications import push, referrals, services
from essaim.notifications.models import (
    Preference,
    PushSubscription,
)
from essaim.notifications.tests.push.support import (
    NBSP,
    SUBJECT,
    Kind,
    jwt_claims,
    milestone,
    send_due,
    subscribe,
)
from essaim.notifications.tests.push_receiver import Device
from essaim.relay.models import Supporter

pytestmark = pytest.mark.django_db


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
