"""Subscribing and unsubscribing a device: what the server refuses to post to, who may, one
device among several, a device changing hands, account deletion and the export."""

import json
from datetime import datetime

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.core.models import OutboxMessage
from essaim.notifications import push, services
from essaim.notifications.models import (
    PushSchedule,
    PushSubscription,
)
from essaim.notifications.tests.push.support import (
    PARIS,
    SUBSCRIBE,
    UNSUBSCRIBE,
    milestone,
    send_due,
    subscribe,
)
from essaim.notifications.tests.push_receiver import Device

pytestmark = pytest.mark.django_db


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
