"""Sending deliveries: one attempt at a time, leases, outcomes that cannot overwrite each
other, the attempts cap, and when an endpoint is turned off (and what happens meanwhile)."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core.tests.concurrency import run_together
from essaim.notifications.models import Notification
from essaim.webhooks import transport
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.payloads import Event
from essaim.webhooks.services import endpoints, sending
from essaim.webhooks.tests.factories import pending_delivery, register_endpoint


def sweep() -> str:
    out = StringIO()
    call_command("webhooks_retry", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_attempt_holds_a_lease_longer_than_its_deadline(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    mid_send: list[tuple[str, int, datetime | None]] = []
    handed_over: list[list[tuple[int, int]]] = []

    def look() -> None:
        mid_send.extend(Delivery.objects.values_list("status", "attempts", "next_attempt_at"))
        handed_over.append(sending.due_deliveries())

    receiver.during = look
    before = timezone.now()
    assert sending.delivery_attempt(delivery_id=delivery.pk, attempts=0) is not None
    # Mid-send: `sending`, leased for longer than the send may last, handed to no one else.
    [(status, attempts, lease_ends)] = mid_send
    assert (status, attempts) == ("sending", 1) and lease_ends is not None
    assert lease_ends - before >= sending.SEND_LEASE > timedelta(seconds=transport.DEADLINE_SECONDS)
    assert handed_over == [[]]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


@pytest.mark.django_db(transaction=True)
def test_an_attempt_whose_worker_died_is_taken_over_after_its_lease(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(
        endpoint,
        status=Delivery.Status.SENDING,
        attempts=1,
        next_attempt_at=timezone.now() + timedelta(seconds=30),
    )
    assert sweep() == "0 webhook deliveries enqueued\n"  # the lease still runs
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sweep() == "1 webhook deliveries enqueued\n"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_deleting_the_endpoint_mid_send_is_no_error(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    receiver.during = lambda: Endpoint.objects.filter(pk=endpoint.pk).delete()
    assert sending.delivery_attempt(delivery_id=delivery.pk, attempts=0) is None
    assert len(receiver.received) == 1
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_attempt_does_not_overwrite_the_one_that_took_over(receiver):
    """Its lease expired mid-send (a stalled worker) and another attempt claimed the
    delivery: the first attempt's late outcome is not recorded over the second's."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)

    def taken_over() -> None:
        Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)

    receiver.during = taken_over
    receiver.status = 500
    assert sending.delivery_attempt(delivery_id=delivery.pk, attempts=0) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sending", 2, None)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0  # the outcome was not this attempt's to count


@pytest.mark.django_db(transaction=True)
def test_a_delivery_out_of_attempts_is_given_up_not_requeued_forever(receiver):
    """An attempt that could not record its outcome (a crash) leaves the delivery due: once
    it has had all its attempts, the next claim gives it up instead of sending again."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(
        endpoint,
        status=Delivery.Status.FAILED,
        attempts=sending.MAX_ATTEMPTS,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    assert sweep() == "1 webhook deliveries enqueued\n"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == ("gave_up", None)
    assert receiver.received == []
    assert sweep() == "0 webhook deliveries enqueued\n"


@pytest.mark.django_db(transaction=True)
def test_an_address_http_client_cannot_encode_is_a_failed_attempt(receiver):
    """An endpoint stored before addresses were normalised, with a non-ASCII path: each
    attempt fails and is counted, so the schedule ends, instead of the task crashing."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    Endpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url + "/hoök")
    delivery = pending_delivery(endpoint)
    sending.delivery_attempt(delivery_id=delivery.pk, attempts=0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, None)
    assert delivery.error == ""
    for _attempt in range(2, sending.MAX_ATTEMPTS + 1):
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", sending.MAX_ATTEMPTS)
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_a_short_outage_turns_nothing_off_and_loses_nothing(receiver):
    pledge = PledgeFactory.create()
    endpoint = register_endpoint(pledge.campaign, receiver, events=["signature.created"])
    receiver.status = 500
    for _n in range(sending.DISABLE_AFTER_FAILURES + 2):
        pledge_sign(user=UserFactory.create(), pledge=pledge)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 12
    assert endpoint.failing_since is not None
    assert Delivery.objects.filter(status="failed").count() == 12
    # The receiver is back: the retries deliver everything, and the count starts again.
    receiver.status = None
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sweep() == "12 webhook deliveries enqueued\n"
    assert Delivery.objects.filter(status="succeeded").count() == 12
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert not Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED).exists()


@pytest.mark.django_db(transaction=True)
def test_sustained_failure_turns_the_endpoint_off_and_holds_its_events(receiver):
    pledge = PledgeFactory.create()
    endpoint = register_endpoint(pledge.campaign, receiver, events=["signature.created"])
    receiver.status = 500
    for _n in range(sending.DISABLE_AFTER_FAILURES - 1):
        pledge_sign(user=UserFactory.create(), pledge=pledge)
    # Failing for three days, and this is the tenth failure in a row.
    Endpoint.objects.update(
        failing_since=timezone.now() - sending.DISABLE_AFTER_FAILING_FOR - timedelta(minutes=1)
    )
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None
    [told] = Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED)
    assert told.user == pledge.campaign.created_by
    # While it is off, new events are recorded, held, and nothing is sent.
    sent = len(receiver.received)
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    held = list(Delivery.objects.filter(status="held").order_by("pk"))
    assert len(held) == 2 and all(d.attempts == 0 for d in held)
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sweep() == "0 webhook deliveries enqueued\n"
    assert len(receiver.received) == sent
    # Turned back on: the held events are sent, oldest first, with every failed one.
    receiver.status = None
    endpoints.endpoint_enable(actor=pledge.campaign.created_by, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.active and (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert sweep() == "12 webhook deliveries enqueued\n"
    assert Delivery.objects.exclude(status="succeeded").count() == 0
    held_ids = [r.json["data"]["signature_id"] for r in receiver.received[sent:] if r.verified][-2:]
    assert [f"signature.created:{i}" for i in held_ids] == [d.event_id for d in held]
    assert Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_event_recorded_as_the_endpoint_is_turned_on_is_not_left_held(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    Endpoint.objects.update(active=False)
    endpoint.refresh_from_db()  # read as off by the fan-out...
    Endpoint.objects.update(active=True)  # ...turned on, and its held ones released, before
    pending = sending.deliveries_create(
        Event("ping", "ping:late", endpoint.campaign_id, {"id": "ping:late"}),
        endpoints=[endpoint],
    )
    delivery = Delivery.objects.get()
    assert pending == [(delivery.pk, 0)] and delivery.status == "pending"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_delivery_send_it_once(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    results = run_together(
        lambda: sending.delivery_attempt(delivery_id=delivery.pk, attempts=0),
        lambda: sending.delivery_attempt(delivery_id=delivery.pk, attempts=0),
    )
    assert sorted(result is None for result in results) == [False, True]
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
