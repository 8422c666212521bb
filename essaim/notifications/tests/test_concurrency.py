"""Binding notifications to an e-mail while a worker sends it, on PostgreSQL's row locks: what
is bound is in the e-mail or waits for the next, and nothing is taken out of one that left."""

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.notifications import emails, services
from essaim.notifications.models import Delivery, Frequency, Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Kind = Notification.Kind


def told_yesterday(person, key: str) -> Notification:
    notification = services.notify(
        user=person, kind=Kind.RELAY_MILESTONE, key=key, params={"count": 2, "campaign": "F"}
    )
    assert notification is not None
    yesterday = timezone.localdate() - timedelta(days=1)
    noon = timezone.make_aware(datetime.combine(yesterday, datetime.min.time()))
    Notification.objects.filter(pk=notification.pk).update(created_at=noon + timedelta(hours=12))
    return notification


def while_a_worker_sends(delivery: Delivery, work: Callable[[], object]) -> None:
    """Run `work` on another connection while this one holds the lock a sending worker holds
    (emails._send_one), then mark the row sent and commit, as the worker does."""
    backend: list[int] = []

    def other() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend.append(cursor.fetchone()[0])
            work()
        finally:
            connection.close()

    with transaction.atomic():
        Delivery.objects.select_for_update().get(pk=delivery.pk)
        thread = threading.Thread(target=other)
        thread.start()
        deadline = time.monotonic() + 30
        with connection.cursor() as cursor:
            # Until the other connection waits on a lock, or is done without waiting.
            while thread.is_alive() and time.monotonic() < deadline:
                if backend:
                    cursor.execute("SELECT cardinality(pg_blocking_pids(%s))", [backend[0]])
                    if cursor.fetchone()[0]:
                        break
                time.sleep(0.02)
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT)
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_an_item_is_not_bound_to_a_digest_that_leaves_meanwhile():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.DAILY})
    told_yesterday(person, "first")
    period = emails.digest_period(Frequency.DAILY, timezone.localdate() - timedelta(days=1))
    [pk] = emails.digests_plan(period)
    late = told_yesterday(person, "late")  # written after the e-mail was read to be sent
    while_a_worker_sends(Delivery.objects.get(pk=pk), lambda: emails.digests_plan(period))
    late.refresh_from_db()
    assert late.delivery_id is None  # not in the e-mail that left: the next digest takes it
    [following] = emails.digests_plan(emails.digest_period(Frequency.DAILY, timezone.localdate()))
    assert list(
        Notification.objects.filter(delivery_id=following).values_list("key", flat=True)
    ) == ["late"]


def test_turning_a_kind_off_leaves_what_an_email_leaving_meanwhile_carries():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.DAILY})
    sent = told_yesterday(person, "first")
    period = emails.digest_period(Frequency.DAILY, timezone.localdate() - timedelta(days=1))
    [pk] = emails.digests_plan(period)
    while_a_worker_sends(
        Delivery.objects.get(pk=pk),
        lambda: services.unsubscribe(user=person, kinds=(Kind.RELAY_MILESTONE.value,)),
    )
    sent.refresh_from_db()
    assert sent.delivery_id == pk  # it was in that e-mail: no later one may take it again
