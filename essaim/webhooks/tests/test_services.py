import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Milestone
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.services.fundraising import donation_give
from essaim.campaigns.services.guest import confirmation_token, guest_act, guest_confirm
from essaim.campaigns.services.pledge import pledge_sign, pledge_unsign
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.core import outbox
from essaim.core.errors import NotFound, ValidationError
from essaim.core.models import OutboxMessage
from essaim.notifications.models import Notification
from essaim.webhooks import selectors, signing
from essaim.webhooks.models import Delivery, Endpoint, EventType
from essaim.webhooks.services import endpoints, sending
from essaim.webhooks.tests.factories import ALL_EVENTS, make_due
from essaim.webhooks.tests.factories import register_endpoint as register


def test_signature_verifies_and_refuses_tampering_and_replays():
    body, now = b'{"a":1}', int(time.time())
    header = signing.signature_header(secret="s3cret", timestamp=now, body=body)
    assert signing.verify(secret="s3cret", header=header, body=body, now=now)
    assert not signing.verify(secret="s3cret", header=header, body=b'{"a":2}', now=now)
    assert not signing.verify(secret="other", header=header, body=body, now=now)
    assert not signing.verify(secret="s3cret", header=header, body=body, now=now + 301)
    assert not signing.verify(secret="s3cret", header="garbage", body=body, now=now)


def test_a_header_signed_with_two_secrets_verifies_with_either():
    body, now = b'{"a":1}', int(time.time())
    header = signing.signature_header(secret="new", timestamp=now, body=body, previous_secret="old")
    assert header.count("v1=") == 2
    assert signing.verify(secret="new", header=header, body=body, now=now)
    assert signing.verify(secret="old", header=header, body=body, now=now)
    assert not signing.verify(secret="other", header=header, body=body, now=now)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # plain HTTP to a host not allowed
        "https://127.0.0.1/hook",  # loopback
        "https://10.1.2.3/hook",  # private network
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:pass@93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
        "https:///nohost",
        "https://93.184.216.34:99999/hook",
        # IPv6 addresses that lead to a private IPv4 network, which Python calls global.
        "https://[64:ff9b::a00:1]/hook",  # NAT64 to 10.0.0.1
        "https://[64:ff9b:1::808:808]/hook",  # local-use NAT64 prefix
        "https://[2002:a00:1::]/hook",  # 6to4 of 10.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo, client 10.0.0.1
        "https://[::a00:1]/hook",  # IPv4-compatible 10.0.0.1
        "https://[::ffff:0:a00:1]/hook",  # IPv4-translated 10.0.0.1
        "https://exa..mple.org/hook",  # an empty label: no IDNA form
    ],
)
def test_addresses_a_webhook_may_not_reach_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    with pytest.raises(ValidationError):
        endpoints.endpoint_url_check(url)


def test_public_https_and_allowed_local_hosts_are_accepted(settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    assert endpoints.endpoint_url_check(" https://93.184.216.34/hook ") == (
        "https://93.184.216.34/hook"
    )
    assert endpoints.endpoint_url_check("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080/x"
    # Public addresses written in an IPv6 form that embeds them.
    assert endpoints.endpoint_url_check("https://[64:ff9b::808:808]/h") == (
        "https://[64:ff9b::808:808]/h"
    )
    assert (
        endpoints.endpoint_url_check("https://[2002:808:808::]/h") == "https://[2002:808:808::]/h"
    )


def test_addresses_are_stored_in_ascii(settings, monkeypatch):
    """http.client cannot send a non-ASCII path: the address is stored as it will be sent."""
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    assert endpoints.endpoint_url_check("http://127.0.0.1:8080/hoök?q=é#part") == (
        "http://127.0.0.1:8080/ho%C3%B6k?q=%C3%A9"
    )
    # Encoded once only: an address already in ASCII is kept as it is.
    assert (
        endpoints.endpoint_url_check("http://127.0.0.1/ho%C3%B6k") == "http://127.0.0.1/ho%C3%B6k"
    )
    looked_up = []

    def public_dns(host, port, *args, **kwargs):  # the outside world: DNS
        looked_up.append(host)
        return [(2, 1, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr("socket.getaddrinfo", public_dns)
    assert endpoints.endpoint_url_check("https://Hoök.example/hoök") == (
        "https://xn--hok-tna.example/ho%C3%B6k"
    )
    assert looked_up == ["xn--hok-tna.example"]


@pytest.mark.django_db
def test_only_hosts_register_endpoints_and_twice_is_once(receiver):
    campaign = CampaignFactory.create()
    with pytest.raises(NotFound):
        endpoints.endpoint_create(
            actor=UserFactory.create(), campaign=campaign, url=receiver.url, events=ALL_EVENTS
        )
    assert not Endpoint.objects.exists()
    first, created = endpoints.endpoint_create(
        actor=campaign.created_by, campaign=campaign, url=receiver.url, events=ALL_EVENTS
    )
    assert created and first.event_list == ALL_EVENTS
    assert first.secret.startswith("whsec_") and len(first.secret) == 54
    # The same address again is the same endpoint, now with the events chosen this time.
    second, created = endpoints.endpoint_create(
        actor=campaign.created_by,
        campaign=campaign,
        url=receiver.url,
        events=[EventType.RSVP.value],
    )
    assert not created and second.pk == first.pk and Endpoint.objects.count() == 1
    stored = Endpoint.objects.get()
    assert stored.event_list == ["rsvp.created"] and stored.secret == first.secret
    with pytest.raises(ValidationError):
        endpoints.endpoint_create(
            actor=campaign.created_by, campaign=campaign, url=receiver.url + "2", events=["nope"]
        )


@pytest.mark.django_db(transaction=True)
def test_a_signature_is_delivered_signed_once(receiver):
    pledge = PledgeFactory.create()
    endpoint = register(pledge.campaign, receiver)
    signer = UserFactory.create(display_name="Inès")
    pledge_sign(user=signer, pledge=pledge, show_name=True)
    pledge_sign(user=signer, pledge=pledge, show_name=True)  # a repeat is no new event
    [received] = receiver.received
    assert received.verified
    assert received.headers["essaim-event"] == "signature.created"
    assert received.json["type"] == "signature.created"
    assert received.json["data"]["name"] == "Inès"
    assert received.json["data"]["signatures"] == 1
    assert signer.email not in received.body.decode()
    delivery = Delivery.objects.select_related("message").get(endpoint=endpoint)
    assert received.headers["essaim-delivery"] == str(delivery.uuid)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.event_id == f"signature.created:{received.json['data']['signature_id']}"


@pytest.mark.django_db(transaction=True)
def test_unsubscribed_events_and_other_campaigns_send_nothing(receiver):
    pledge = PledgeFactory.create()
    register(pledge.campaign, receiver, events=[EventType.DONATION.value])
    other = PledgeFactory.create()
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    pledge_sign(user=UserFactory.create(), pledge=other)
    assert receiver.received == [] and not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_rsvp_donation_and_milestone_events(receiver):
    pledge = PledgeFactory.create(goal_ladder="1")
    campaign = pledge.campaign
    event = EventFactory.create(campaign=campaign)
    fundraiser = FundraiserFactory.create(campaign=campaign)
    register(campaign, receiver)
    person = UserFactory.create()
    pledge_sign(user=person, pledge=pledge)
    rsvp_create(user=person, event=event)
    donation_give(user=person, fundraiser=fundraiser, amount=25_00, idempotency_key=uuid.uuid4())
    types = sorted(received.json["type"] for received in receiver.received)
    assert types == [
        "donation.succeeded",
        "milestone.reached",
        "rsvp.created",
        "signature.created",
    ]
    assert all(received.verified for received in receiver.received)
    by_type = {received.json["type"]: received.json["data"] for received in receiver.received}
    assert by_type["donation.succeeded"]["amount"] == 25_00
    assert by_type["milestone.reached"] == {"kind": "signatures", "threshold": 1}
    assert by_type["rsvp.created"]["status"] == "confirmed"
    assert Milestone.objects.count() == 1


@pytest.mark.django_db
def test_a_campaign_without_endpoints_costs_one_cached_read(django_assert_num_queries):
    campaign = CampaignFactory.create()
    with django_assert_num_queries(1):
        assert not selectors.campaign_is_listened(campaign.pk)
    with django_assert_num_queries(0):
        assert not selectors.campaign_is_listened(campaign.pk)


@pytest.mark.django_db(transaction=True)
def test_registering_clears_the_cached_answer(receiver):
    campaign = CampaignFactory.create()
    assert not selectors.campaign_is_listened(campaign.pk)
    endpoint = register(campaign, receiver)
    assert selectors.campaign_is_listened(campaign.pk)
    endpoints.endpoint_delete(actor=campaign.created_by, endpoint=endpoint)
    assert not selectors.campaign_is_listened(campaign.pk)


@pytest.mark.django_db(transaction=True)
def test_a_negative_read_before_a_registration_cannot_hide_it(receiver, monkeypatch):
    """The race: an event reads "no endpoint" from the database, an endpoint is registered
    and committed, then the event's read reaches the cache. The registration's fresh answer
    must win, or the campaign's events would be dropped for a minute."""
    campaign = CampaignFactory.create()
    read_from_database = selectors.campaign_listened_now

    def read_then_registered(campaign_id):
        listened = read_from_database(campaign_id)
        register(campaign, receiver)  # commits, and writes its answer after the commit
        return listened

    monkeypatch.setattr(selectors, "campaign_listened_now", read_then_registered)
    selectors.campaign_is_listened(campaign.pk)
    monkeypatch.setattr(selectors, "campaign_listened_now", read_from_database)
    assert cache.get(selectors.listening_key(campaign.pk)) == 1
    assert selectors.campaign_is_listened(campaign.pk)


@pytest.mark.django_db(transaction=True)
def test_a_refresh_replaces_a_stale_answer(receiver):
    campaign = CampaignFactory.create()
    register(campaign, receiver)
    cache.set(selectors.listening_key(campaign.pk), 0, 60)  # what a stale read wrote
    sending.listening_refresh(campaign.pk)
    assert selectors.campaign_is_listened(campaign.pk)


@pytest.mark.django_db(transaction=True)
def test_failures_are_retried_with_backoff_then_given_up(receiver):
    pledge = PledgeFactory.create()
    endpoint = register(pledge.campaign, receiver)
    receiver.status = 503
    before = timezone.now()
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    delivery = Delivery.objects.select_related("message").get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, 503)
    assert delivery.error == "verified"
    assert delivery.next_attempt_at is not None
    delay = delivery.next_attempt_at - before
    assert timedelta(seconds=54) <= delay <= timedelta(seconds=67)
    assert outbox.dispatch(here=True) == 0  # not due yet
    for attempt in range(2, sending.MAX_ATTEMPTS + 1):
        make_due()
        assert outbox.dispatch(here=True) == 1
        delivery = Delivery.objects.select_related("message").get()
        assert delivery.attempts == attempt
    assert (delivery.status, delivery.next_attempt_at) == ("gave_up", None)
    assert len(receiver.received) == sending.MAX_ATTEMPTS
    endpoint.refresh_from_db()
    # Two days of failures on one delivery are not yet a sustained failure of the endpoint.
    assert endpoint.active and endpoint.consecutive_failures == sending.MAX_ATTEMPTS
    assert not Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED).exists()
    assert selectors.campaign_is_listened(pledge.campaign.pk)


@pytest.mark.parametrize(
    ("attempt", "minutes"), [(1, 1), (2, 4), (3, 16), (4, 64), (5, 256), (6, 1024), (7, 1440)]
)
def test_the_retry_schedule_spans_two_days_within_its_jitter(attempt, minutes):
    delay = sending.BACKOFF.delay(attempt)
    assert timedelta(minutes=minutes * 0.9) <= delay <= timedelta(minutes=minutes * 1.1)
    assert sending.retry_minutes()[attempt - 1] == minutes


@pytest.mark.django_db(transaction=True)
def test_an_attempt_is_made_once_however_many_tasks_ask(receiver):
    pledge = PledgeFactory.create()
    register(pledge.campaign, receiver)
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    delivery = Delivery.objects.select_related("message").get()
    assert delivery.message is not None
    assert outbox.send([delivery.message.pk]) == 0  # the task queued at commit, run again
    assert outbox.dispatch(here=True) == 0
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_ping_is_idempotent_and_redeliver_sends_again(receiver):
    campaign = CampaignFactory.create()
    endpoint = register(campaign, receiver)
    key = uuid.uuid4()
    for _n in range(2):
        ping = endpoints.endpoint_ping(actor=campaign.created_by, endpoint=endpoint, key=key)
    assert len(receiver.received) == 1 and receiver.received[0].json["type"] == "ping"
    assert Delivery.objects.select_related("message").get(pk=ping.pk).status == "succeeded"
    with pytest.raises(NotFound):
        endpoints.delivery_redeliver(actor=UserFactory.create(), delivery=ping)
    endpoints.delivery_redeliver(actor=campaign.created_by, delivery=ping)
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["essaim-delivery"] == str(ping.uuid)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("state", "attempts", "status"),
    [("pending", 0, "pending"), ("sending", 1, "sending"), ("held", 1, "held")],
)
def test_a_delivery_on_its_way_is_not_redelivered(receiver, state, attempts, status):
    campaign = CampaignFactory.create()
    endpoint = register(campaign, receiver)
    ping = endpoints.endpoint_ping(actor=campaign.created_by, endpoint=endpoint, key=uuid.uuid4())
    OutboxMessage.objects.update(state=state, attempts=attempts)
    with pytest.raises(ValidationError):
        endpoints.delivery_redeliver(actor=campaign.created_by, delivery=ping)
    ping = Delivery.objects.select_related("message").get(pk=ping.pk)
    assert (ping.status, ping.attempts) == (status, attempts) and len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rotated_secret_and_the_previous_one_both_sign_for_a_day(receiver):
    campaign = CampaignFactory.create()
    endpoint = register(campaign, receiver)
    original = endpoint.secret
    with pytest.raises(NotFound):
        endpoints.endpoint_secret_rotate(actor=UserFactory.create(), endpoint=endpoint)
    assert Endpoint.objects.get().secret == original
    rotated = endpoints.endpoint_secret_rotate(actor=campaign.created_by, endpoint=endpoint)
    assert rotated.secret != original and rotated.secret.startswith("whsec_")
    assert rotated.previous_secret == original
    assert rotated.previous_secret_expires_at is not None
    overlap = rotated.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=23, minutes=59) < overlap <= timedelta(hours=24)
    # A receiver still on the old secret, and one on the new secret, both verify.
    for secret in (original, rotated.secret):
        receiver.secret = secret
        endpoints.endpoint_ping(actor=campaign.created_by, endpoint=rotated, key=uuid.uuid4())
        assert receiver.received[-1].verified
        assert receiver.received[-1].headers["essaim-signature"].count("v1=") == 2
    # Rotating again during the overlap replaces the new secret only.
    again = endpoints.endpoint_secret_rotate(actor=campaign.created_by, endpoint=rotated)
    assert again.secret not in (original, rotated.secret)
    assert again.previous_secret == original
    assert again.previous_secret_expires_at == rotated.previous_secret_expires_at
    # After the overlap only the current secret signs.
    Endpoint.objects.update(previous_secret_expires_at=timezone.now() - timedelta(seconds=1))
    receiver.secret = original
    endpoints.endpoint_ping(actor=campaign.created_by, endpoint=again, key=uuid.uuid4())
    assert not receiver.received[-1].verified
    assert receiver.received[-1].headers["essaim-signature"].count("v1=") == 1


@pytest.mark.django_db(transaction=True)
def test_deleting_an_endpoint_stops_deliveries(receiver):
    pledge = PledgeFactory.create()
    endpoint = register(pledge.campaign, receiver)
    with pytest.raises(NotFound):
        endpoints.endpoint_delete(actor=UserFactory.create(), endpoint=endpoint)
    endpoints.endpoint_delete(actor=pledge.campaign.created_by, endpoint=endpoint)
    signer = UserFactory.create()
    pledge_sign(user=signer, pledge=pledge)
    pledge_unsign(user=signer, pledge=pledge)
    assert receiver.received == [] and not Endpoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_guests_action_is_delivered_once_confirmed_never_before_and_without_their_address(
    receiver,
):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    event = EventFactory.create(campaign=campaign)
    register(campaign, receiver)
    address = "nour.haddad@exemple.test"
    signature = guest_act(target=pledge, email=address, name="Nour Haddad")
    answer = guest_act(target=event, email=address, name="Nour Haddad")
    # Another guest who never confirms.
    guest_act(target=pledge, email="sam@exemple.test", name="Sam Martin")
    outbox.dispatch(here=True)  # the confirmation e-mails go; nothing to the hosts' endpoint
    assert receiver.received == [] and not Delivery.objects.exists()
    for action in (signature, answer, signature):  # a second confirmation is no new event
        guest_confirm(token=confirmation_token(action), campaign=campaign)
    outbox.dispatch(here=True)
    assert sorted(received.json["type"] for received in receiver.received) == [
        "rsvp.created",
        "signature.created",
    ]
    by_type = {received.json["type"]: received for received in receiver.received}
    # Named as the public pages name a guest: not at all (a guest signs without showing it).
    assert by_type["signature.created"].json["data"]["name"] is None
    assert by_type["signature.created"].json["data"]["signatures"] == 1
    for received in receiver.received:
        assert received.verified
        body = received.body.decode()
        assert "exemple.test" not in body and "Nour" not in body and "Sam" not in body
