import time
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Milestone
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.services.fundraising import donation_give
from essaim.campaigns.services.pledge import pledge_sign, pledge_unsign
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.core.errors import NotFound, ValidationError
from essaim.notifications.models import Notification
from essaim.webhooks import selectors, signing
from essaim.webhooks.models import Delivery, Endpoint, EventType
from essaim.webhooks.services import endpoints, sending
from essaim.webhooks.tests.receiver import running_receiver

ALL_EVENTS = [event.value for event in EventType if event != EventType.PING]


@pytest.fixture(autouse=True)
def local_receivers(settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    cache.clear()


@pytest.fixture
def receiver():
    with running_receiver() as running:
        yield running


def register(campaign, receiver, events=None):
    endpoint = endpoints.endpoint_create(
        actor=campaign.created_by, campaign=campaign, url=receiver.url, events=events or ALL_EVENTS
    )
    receiver.secret = endpoint.secret
    return endpoint


def test_signature_verifies_and_refuses_tampering_and_replays():
    body, now = b'{"a":1}', int(time.time())
    header = signing.signature_header(secret="s3cret", timestamp=now, body=body)
    assert signing.verify(secret="s3cret", header=header, body=body, now=now)
    assert not signing.verify(secret="s3cret", header=header, body=b'{"a":2}', now=now)
    assert not signing.verify(secret="other", header=header, body=body, now=now)
    assert not signing.verify(secret="s3cret", header=header, body=body, now=now + 301)
    assert not signing.verify(secret="s3cret", header="garbage", body=body, now=now)


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


@pytest.mark.django_db
def test_only_hosts_register_endpoints_and_twice_is_once(receiver):
    campaign = CampaignFactory.create()
    with pytest.raises(NotFound):
        endpoints.endpoint_create(
            actor=UserFactory.create(), campaign=campaign, url=receiver.url, events=ALL_EVENTS
        )
    assert not Endpoint.objects.exists()
    first = register(campaign, receiver)
    second = register(campaign, receiver, events=[EventType.RSVP.value])
    assert first.pk == second.pk and Endpoint.objects.count() == 1
    assert first.secret.startswith("whsec_") and len(first.secret) == 54
    assert first.event_list == ALL_EVENTS
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
    assert received.headers["Essaim-Event"] == "signature.created"
    assert received.json["type"] == "signature.created"
    assert received.json["data"]["name"] == "Inès"
    assert received.json["data"]["signatures"] == 1
    assert signer.email not in received.body.decode()
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert received.headers["Essaim-Delivery"] == str(delivery.uuid)
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
    register(campaign, receiver)
    assert selectors.campaign_is_listened(campaign.pk)


@pytest.mark.django_db(transaction=True)
def test_failures_are_retried_with_backoff_then_given_up(receiver):
    pledge = PledgeFactory.create()
    endpoint = register(pledge.campaign, receiver)
    receiver.status = 503
    before = timezone.now()
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, 503)
    assert delivery.error == "verified"
    assert delivery.next_attempt_at is not None
    delay = delivery.next_attempt_at - before
    assert timedelta(seconds=54) <= delay <= timedelta(seconds=67)
    out = StringIO()
    call_command("webhooks_retry", stdout=out)  # not due yet
    assert out.getvalue() == "0 webhook deliveries enqueued\n"
    for attempt in range(2, sending.MAX_ATTEMPTS + 1):
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        call_command("webhooks_retry", stdout=StringIO())
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
    assert (delivery.status, delivery.next_attempt_at) == ("gave_up", None)
    assert len(receiver.received) == sending.MAX_ATTEMPTS
    endpoint.refresh_from_db()
    # Giving up turns the endpoint off and tells its host, once.
    assert not endpoint.active and endpoint.disabled_at is not None
    [told] = Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED)
    assert told.user == pledge.campaign.created_by
    assert not selectors.campaign_is_listened(pledge.campaign.pk)


@pytest.mark.django_db(transaction=True)
def test_ten_failures_in_a_row_turn_the_endpoint_off(receiver):
    pledge = PledgeFactory.create()
    endpoint = register(pledge.campaign, receiver)
    receiver.status = 500
    for _n in range(sending.DISABLE_AFTER_FAILURES):
        pledge_sign(user=UserFactory.create(), pledge=pledge)
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.consecutive_failures == 10
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    assert len(receiver.received) == 10  # nothing more is sent to a disabled endpoint
    assert Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED).count() == 1
    receiver.status = None
    endpoints.endpoint_enable(actor=pledge.campaign.created_by, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0


@pytest.mark.django_db(transaction=True)
def test_an_attempt_is_made_once_however_many_tasks_ask(receiver):
    pledge = PledgeFactory.create()
    register(pledge.campaign, receiver)
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    delivery = Delivery.objects.get()
    assert sending.delivery_attempt(delivery_id=delivery.pk, attempts=0) is None
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_ping_is_idempotent_and_redeliver_sends_again(receiver):
    campaign = CampaignFactory.create()
    endpoint = register(campaign, receiver)
    key = uuid.uuid4()
    for _n in range(2):
        ping = endpoints.endpoint_ping(actor=campaign.created_by, endpoint=endpoint, key=key)
    assert len(receiver.received) == 1 and receiver.received[0].json["type"] == "ping"
    ping.refresh_from_db()
    assert ping.status == "succeeded"
    with pytest.raises(NotFound):
        endpoints.delivery_redeliver(actor=UserFactory.create(), delivery=ping)
    endpoints.delivery_redeliver(actor=campaign.created_by, delivery=ping)
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["Essaim-Delivery"] == str(ping.uuid)


@pytest.mark.django_db(transaction=True)
def test_the_connection_is_checked_again_when_sending(receiver, settings):
    """An address allowed at registration but no longer (or a name that now resolves to a
    private address) is refused when the socket connects."""
    pledge = PledgeFactory.create()
    register(pledge.campaign, receiver)
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    delivery = Delivery.objects.get()
    assert receiver.received == []
    assert delivery.status == "failed" and delivery.error.startswith("refused address")


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
