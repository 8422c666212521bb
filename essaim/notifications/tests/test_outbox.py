"""E-mail: preferences decide when, the outbox sends each e-mail exactly once, in the
recipient's language, with one-click unsubscribe."""

import threading
from datetime import timedelta
from typing import ClassVar

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.notifications import outbox, scheduling, services, tasks
from essaim.notifications.links import unsubscribe_read
from essaim.notifications.models import (
    Delivery,
    Frequency,
    Notification,
    Preference,
)
from essaim.notifications.tests.helpers import (
    Kind,
    daily_digest_of,
    milestone,
    run_daily_digest,
)

pytestmark = pytest.mark.django_db


def test_an_immediate_kind_is_emailed_once_after_commit_in_the_recipients_language(
    django_capture_on_commit_callbacks, settings
):
    person = UserFactory.create(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        told = services.notify(
            user=person,
            kind=Kind.APPEAL_DECIDED,
            key="appeal:1",
            params={"overturned": True, "summary": "a post"},
            url="/moderation/actions/1/",
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert told is not None and told.delivery is not None
    [message] = mail.outbox
    assert message.to == [person.email]
    assert message.subject == "Your appeal was accepted: the decision about a post is undone."
    assert f"{settings.SITE_URL}/moderation/actions/1/" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert "Your appeal was accepted" in str(html)
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in message.body
    token = unsubscribe.rstrip("/").rsplit("/", 1)[1]
    asked = unsubscribe_read(token)
    assert asked is not None
    assert (asked.user_id, asked.kinds) == (person.pk, (Kind.APPEAL_DECIDED.value,))
    told.refresh_from_db()
    assert told.delivery.status == Delivery.Status.SENT
    # The same fact told again (a retried task): no notification, no e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(user=person, kind=Kind.APPEAL_DECIDED, key="appeal:1") is None
    assert len(mail.outbox) == 1


def test_the_email_is_in_french_for_a_french_reader(django_capture_on_commit_callbacks):
    person = UserFactory.create(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=person,
            kind=Kind.REPORT_OUTCOME,
            key="report:1",
            params={"status": "dismissed"},
        )
    assert mail.outbox == []  # report outcomes come in the daily digest by default
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=person,
            kind=Kind.MODERATION_DECISION,
            key="action:1",
            params={"action": "warn", "summary": "un message", "reason": "insultes"},
        )
    [message] = mail.outbox
    # Rendered under the reader's language, not the worker's (English in these tests), and
    # French elides "de" before the summary.
    assert (
        message.subject
        == "Les modérateurs vous ont averti au sujet d'un message. Motif\u00a0: insultes"
    )
    assert message.body.splitlines()[2] == message.subject


def test_a_crash_between_planning_and_sending_loses_nothing_and_doubles_nothing(
    django_capture_on_commit_callbacks, yesterday
):
    person = UserFactory.create(language="en")
    daily_digest_of(person, yesterday, items=2)
    # Step one ran (the digest written, its items bound), then the worker died: its
    # transaction had committed, the send was never queued.
    planned = outbox.digests_plan(outbox.digest_period(Frequency.DAILY, yesterday))
    assert len(planned) == 1 and mail.outbox == []
    # The task runs again from the start.
    run_daily_digest(django_capture_on_commit_callbacks, yesterday)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("- Your share link") == 2
    # And the tick's sweep of stalled e-mails finds nothing left.
    assert outbox.deliveries_claim_due(now=timezone.now() + timedelta(days=1)) == []


class WorkerDies(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no handler catches it."""


class DyingBackend(EmailBackend):
    """The mail transport dies (with the worker) before handing over its Nth message."""

    die_at: ClassVar[int] = 2
    seen: ClassVar[int] = 0

    def send_messages(self, messages):
        for _message in messages:
            DyingBackend.seen += 1
            if DyingBackend.seen == DyingBackend.die_at:
                raise WorkerDies
        return super().send_messages(messages)


def test_a_worker_that_dies_mid_batch_leaves_the_rest_for_the_rerun(settings):
    people = UserFactory.create_batch(3)
    for person in people:
        services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
        milestone(person, enqueue_email=False)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.DyingBackend"
    DyingBackend.seen = 0
    with pytest.raises(WorkerDies):
        tasks.send_deliveries.call(ids)
    assert [m.to for m in mail.outbox] == [[people[0].email]]
    statuses = list(Delivery.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["sent", "pending", "pending"]  # the second rolled back, unsent
    # The task runs again (requeued by the sweep), and a third time: each person once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.send_deliveries.call(ids) == 2
    assert tasks.send_deliveries.call(ids) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


def test_a_refusing_mail_server_leaves_the_email_pending_then_gives_up(settings):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    delivery_id = milestone(person, enqueue_email=False).delivery_id
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.RefusingBackend"
    for _attempt in range(outbox.MAX_ATTEMPTS):
        assert outbox.deliveries_send([delivery_id]) == 0
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "refused" in delivery.last_error


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise OSError("connection refused")


def test_an_inactive_or_addressless_person_gets_no_email():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    delivery_id = milestone(person, enqueue_email=False).delivery_id
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert outbox.deliveries_send([delivery_id]) == 0
    assert mail.outbox == []
    assert milestone(person, key="later") is None


def test_personal_data_export_and_erase():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.AID_MATCH: "off"})
    milestone(person)
    exported = services.export(person)
    assert exported["e-mail preferences"][Kind.AID_MATCH] == "off"
    assert len(exported["notifications"]) == 1
    services.erase(person)
    assert not Notification.objects.filter(user=person).exists()
    assert not Preference.objects.filter(user=person).exists()
    assert not Delivery.objects.filter(user=person).exists()


def test_the_tick_sweeps_emails_whose_send_was_lost(django_capture_on_commit_callbacks, clock):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    milestone(person, enqueue_email=False)  # the enqueue lost with its worker
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.tick()["stalled_emails"] == 0  # its own send still owns it
    clock.advance(minutes=16)  # past the lease
    with django_capture_on_commit_callbacks(execute=True):
        counts = scheduling.tick()
    assert counts["stalled_emails"] == 1
    assert len(mail.outbox) == 1


def test_the_sweep_queues_a_row_once_per_lease(django_capture_on_commit_callbacks, clock):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    leased = milestone(person, enqueue_email=False).delivery_id
    # A row written by the previous version: no lease, only its age.
    legacy = milestone(person, key="legacy", enqueue_email=False).delivery_id
    Delivery.objects.filter(pk=legacy).update(
        next_attempt_at=None, created_at=clock.now - timedelta(minutes=6)
    )
    assert outbox.deliveries_claim_due(now=clock.now) == [legacy]
    assert outbox.deliveries_claim_due(now=clock.now) == []  # a second tick: already queued
    clock.advance(minutes=16)  # both queued sends lost with their worker
    assert outbox.deliveries_claim_due(now=clock.now) == [leased, legacy]
    assert outbox.deliveries_claim_due(now=clock.now) == []
    assert Delivery.objects.get(pk=leased).next_attempt_at == clock.now + outbox.LEASE


def test_an_eight_minute_outage_delays_the_email_and_loses_nothing(
    settings, clock, django_capture_on_commit_callbacks
):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    delivery_id = milestone(person, enqueue_email=False).delivery_id
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.RefusingBackend"
    start = clock.now
    assert outbox.deliveries_send([delivery_id]) == 0  # the send queued at commit
    retried = []
    for minute in range(1, 9):  # the tick of every minute
        clock.advance(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            if scheduling.tick()["stalled_emails"]:
                retried.append(minute)
    assert retried == [1, 3, 7]  # backoff: 1, 2, 4 minutes
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts) == ("pending", 4)
    assert delivery.next_attempt_at == start + timedelta(minutes=7 + 8)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    clock.now = start + timedelta(minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.tick()["stalled_emails"] == 1
    assert Delivery.objects.get(pk=delivery_id).status == "sent"
    assert [m.to for m in mail.outbox] == [[person.email]]


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (20, 60)]
)
def test_the_backoff_doubles_up_to_an_hour(attempts, minutes):
    assert outbox.backoff(attempts) == timedelta(minutes=minutes)


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("connection refused")


def test_a_mail_server_that_cannot_be_reached_is_a_failed_attempt_for_the_whole_batch(
    settings, clock
):
    people = UserFactory.create_batch(2)
    for person in people:
        services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
        milestone(person, enqueue_email=False)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.UnreachableBackend"
    assert outbox.deliveries_send(ids) == 0
    assert (
        list(
            Delivery.objects.order_by("pk").values_list(
                "status", "attempts", "next_attempt_at", "last_error"
            )
        )
        == [("pending", 1, clock.now + timedelta(minutes=1), "connection refused")] * 2
    )


def poison_reason(person: User, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        kind=Kind.MODERATION_DECISION, params={"action": "warn", "summary": "x", "reason": 3}
    )
    User.objects.filter(pk=person.pk).update(email="a@example.org\nBcc: b@example.org")


def removed_kind(person: User, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(kind="a_kind_since_removed")


def unusable_params(person: User, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(params={"count": "many"})


@pytest.mark.parametrize(
    ("poison", "error"),
    [
        (poison_reason, "BadHeaderError"),
        (removed_kind, "KeyError"),
        (unusable_params, "ValueError"),
    ],
)
def test_an_email_that_cannot_be_sent_fails_alone_and_the_batch_goes_on(
    poison, error, django_capture_on_commit_callbacks, clock
):
    poisoned, fine = UserFactory.create_batch(2, language="en")
    for person in (poisoned, fine):
        services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    bad = milestone(poisoned, enqueue_email=False)
    milestone(fine, enqueue_email=False)
    poison(poisoned, bad)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert outbox.deliveries_send(ids) == 1
    assert [m.to for m in mail.outbox] == [[fine.email]]
    failed = Delivery.objects.get(pk=bad.delivery_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error.startswith(f"{error}: ")
    # Never picked again: not by a rerun, not by the sweep.
    clock.advance(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.tick()["stalled_emails"] == 0
    assert outbox.deliveries_send(ids) == 0


def test_a_reason_on_several_lines_is_sent_with_a_one_line_subject(
    django_capture_on_commit_callbacks,
):
    person = UserFactory.create(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        told = services.notify(
            user=person,
            kind=Kind.MODERATION_DECISION,
            key="action:2",
            params={"action": "hide", "summary": "a post", "reason": "spam\r\n\nand  insults"},
        )
    assert told is not None and told.delivery_id is not None
    [message] = mail.outbox
    assert message.subject == "The moderators hid a post. Reason: spam and insults"
    assert "Reason: spam\r\n\nand  insults" in message.body  # the body keeps its lines
    assert Delivery.objects.get(pk=told.delivery_id).status == "sent"


def test_the_smtp_connection_gives_up_after_email_timeout():
    # The send holds a transaction and a row lock (outbox docstring): it must not hang.
    assert SMTPBackend().timeout == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once():
    """Real concurrency: two threads (two connections) send the same batch side by side."""
    people = UserFactory.create_batch(20)
    for person in people:
        services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
        milestone(person, enqueue_email=False)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def worker(order: list[int]) -> None:
        try:
            barrier.wait()
            sent.append(outbox.deliveries_send(order))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(ids,)),
        threading.Thread(target=worker, args=(list(reversed(ids)),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
