"""Sending deliveries through the outbox's `webhook` channel: one attempt at a time, leases,
outcomes that cannot overwrite each other, the attempts cap, and when an endpoint is turned
off (and what happens meanwhile)."""

from datetime import datetime, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core import outbox, transport
from essaim.core.models import OutboxMessage
from essaim.core.tests.concurrency import run_together
from essaim.notifications.models import Notification
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.payloads import Event
from essaim.webhooks.services import endpoints, sending
from essaim.webhooks.tests.factories import (
    deliveries_in,
    make_due,
    message_of,
    pending_delivery,
    register_endpoint,
)


def dispatch() -> int:
    """The outbox's dispatch job, sending in this process."""
    return outbox.dispatch(here=True)


def log_row(delivery: Delivery) -> tuple[str, int]:
    current = Delivery.objects.select_related("message").get(pk=delivery.pk)
    return current.status, current.attempts


@pytest.mark.django_db(transaction=True)
def test_an_attempt_holds_a_lease_longer_than_its_deadline(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    mid_send: list[tuple[str, int, datetime | None]] = []
    claimed_by_another: list[int] = []

    def look() -> None:
        mid_send.extend(OutboxMessage.objects.values_list("state", "attempts", "lease_until"))
        claimed_by_another.append(len(outbox.claim(owner="another")))

    receiver.during = look
    before = timezone.now()
    assert dispatch() == 1
    # Mid-send: `sending`, leased for longer than the send may last, claimed by no one else.
    [(state, attempts, lease_ends)] = mid_send
    assert (state, attempts) == ("sending", 1) and lease_ends is not None
    assert lease_ends - before >= sending.LEASE > timedelta(seconds=transport.DEADLINE_SECONDS)
    assert claimed_by_another == [0]
    assert log_row(delivery) == ("succeeded", 1)


@pytest.mark.django_db(transaction=True)
def test_an_attempt_whose_sender_died_is_taken_over_after_its_lease(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(
        endpoint,
        state="sending",
        attempts=1,
        lease_owner="dead-worker",
        lease_until=timezone.now() + timedelta(seconds=30),
    )
    assert dispatch() == 0  # the lease still runs
    OutboxMessage.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert dispatch() == 1
    assert log_row(delivery) == ("succeeded", 2)
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_deleting_the_endpoint_mid_send_is_no_error(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    pending_delivery(endpoint)
    receiver.during = lambda: endpoints.endpoint_delete(
        actor=endpoint.campaign.created_by, endpoint=endpoint
    )
    assert dispatch() == 1
    assert len(receiver.received) == 1
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    # What it was sending is left to its sender, which recorded it: nothing else remains.
    assert list(OutboxMessage.objects.values_list("state", flat=True)) == ["sent"]


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_before_its_turn_cancels_what_is_left(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    message = message_of(delivery)
    Endpoint.objects.filter(pk=endpoint.pk).delete()  # not through the service
    assert dispatch() == 1
    message.refresh_from_db()
    assert (message.state, message.last_error) == ("cancelled", "the endpoint was deleted")
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_an_attempt_does_not_overwrite_the_one_that_took_over(receiver):
    """Its lease expired mid-send (a stalled worker) and another sender claimed the message:
    the first attempt's late outcome is not recorded over the second's."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)

    def taken_over() -> None:
        OutboxMessage.objects.update(lease_owner="another", attempts=F("attempts") + 1)

    receiver.during = taken_over
    receiver.status = 500
    dispatch()
    message = message_of(delivery)
    assert (message.state, message.attempts, message.lease_owner) == ("sending", 2, "another")


@pytest.mark.django_db(transaction=True)
def test_a_delivery_out_of_attempts_is_given_up_not_requeued_forever(receiver):
    """The last attempt's sender died before recording its outcome: once its lease runs out,
    the delivery is given up instead of sent again."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(
        endpoint,
        state="sending",
        attempts=sending.MAX_ATTEMPTS,
        lease_owner="dead-worker",
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    assert dispatch() == 1
    assert log_row(delivery) == ("gave_up", sending.MAX_ATTEMPTS + 1)
    assert receiver.received == []
    assert dispatch() == 0


@pytest.mark.django_db(transaction=True)
def test_an_address_http_client_cannot_encode_is_a_failed_attempt(receiver):
    """An endpoint stored before addresses were normalised, with a non-ASCII path: each
    attempt fails and is counted, so the schedule ends, instead of the task crashing."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    Endpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url + "/hoök")
    delivery = pending_delivery(endpoint)
    dispatch()
    delivery.refresh_from_db()
    assert log_row(delivery) == ("failed", 1)
    assert (delivery.response_status, delivery.error) == (None, "")
    for _attempt in range(2, sending.MAX_ATTEMPTS + 1):
        make_due()
        dispatch()
    assert log_row(delivery) == ("gave_up", sending.MAX_ATTEMPTS)
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
    assert len(deliveries_in("failed")) == 12
    # The receiver is back: the retries deliver everything, and the count starts again.
    receiver.status = None
    make_due()
    assert dispatch() == 12
    assert len(deliveries_in("succeeded")) == 12
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
    held = deliveries_in("held")
    assert len(held) == 2 and all(d.attempts == 0 for d in held)
    # The failed ones come due: held too, their attempt given back, nothing sent.
    make_due()
    assert dispatch() == 10
    assert len(receiver.received) == sent
    assert len(deliveries_in("held")) == 12
    assert sorted(d.attempts for d in deliveries_in("held")) == [0] * 2 + [1] * 10
    # Turned back on: the held events are sent, oldest first, with every failed one.
    receiver.status = None
    endpoints.endpoint_enable(actor=pledge.campaign.created_by, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.active and (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert len(deliveries_in("succeeded")) == 12
    held_ids = [r.json["data"]["signature_id"] for r in receiver.received[sent:] if r.verified][-2:]
    assert [f"signature.created:{i}" for i in held_ids] == [d.event_id for d in held]
    assert Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_event_recorded_as_the_endpoint_is_turned_on_is_not_left_held(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    Endpoint.objects.update(active=False)
    endpoint.refresh_from_db()  # read as off by the fan-out...
    Endpoint.objects.update(active=True)  # ...turned on, and its held ones released, before
    created = sending.deliveries_create(
        Event("ping", "ping:late", endpoint.campaign_id, {"id": "ping:late"}),
        endpoints=[endpoint],
    )
    assert created == 1
    [delivery] = Delivery.objects.all()
    assert log_row(delivery) == ("succeeded", 1)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_held_as_its_endpoint_is_turned_on_is_released_at_once(receiver):
    """The attempt read the endpoint as off, and the endpoint was turned on (and its held
    deliveries released) before the hold was recorded: the hold does not stick."""
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    Endpoint.objects.update(active=False)
    [claimed] = outbox.claim(owner="a")
    outcome = sending.deliver(claimed)
    assert isinstance(outcome, outbox.Hold)
    Endpoint.objects.update(active=True)
    sending.held_release(endpoint.pk)  # finds nothing held yet
    outbox._record(outbox.channel_of("webhook"), claimed, "a", outcome)
    assert log_row(delivery) == ("pending", 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_claiming_one_delivery_send_it_once(receiver):
    endpoint = register_endpoint(CampaignFactory.create(), receiver)
    delivery = pending_delivery(endpoint)
    message = message_of(delivery)
    results = run_together(
        lambda: outbox.send([message.pk]),
        lambda: outbox.send([message.pk]),
    )
    assert sorted(results) == [0, 1]
    assert len(receiver.received) == 1
    assert log_row(delivery) == ("succeeded", 1)
