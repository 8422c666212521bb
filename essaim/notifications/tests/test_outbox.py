"""E-mail, the outbox's e-mail channel: preferences decide when, each e-mail leaves exactly
once, in the recipient's language, with one-click unsubscribe."""

import random
import threading
from datetime import timedelta
from typing import ClassVar

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.notifications import emails, services
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
    send,
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
    message_row = message_of(told.delivery.pk)
    assert (message_row.channel, message_row.state, message_row.attempts) == ("email", "sent", 1)
    assert message_row.payload == {"delivery": told.delivery.pk}
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
    planned = emails.digests_plan(emails.digest_period(Frequency.DAILY, yesterday))
    assert len(planned) == 1 and mail.outbox == []
    # The task runs again from the start.
    run_daily_digest(django_capture_on_commit_callbacks, yesterday)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("- Your share link") == 2
    # And the outbox's dispatch finds nothing left.
    assert outbox.dispatch(here=True) == 0


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


def message_of(delivery_id: int | None) -> OutboxMessage:
    assert delivery_id is not None
    message = Delivery.objects.select_related("message").get(pk=delivery_id).message
    assert message is not None
    return message


def immediate_emails(count: int) -> list[int]:
    people = UserFactory.create_batch(count, language="en")
    for person in people:
        services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
        milestone(person, enqueue_email=False)  # the send queued at commit: lost, or later
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def states() -> list[tuple[str, str]]:
    """(e-mail status, outbox state) of every e-mail, in order."""
    return list(Delivery.objects.order_by("pk").values_list("status", "message__state"))


def test_a_sender_that_dies_mid_batch_leaves_the_rest_to_the_lease_expiry_each_sent_once(
    settings, clock
):
    ids = immediate_emails(3)
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.DyingBackend"
    DyingBackend.seen = 0
    with pytest.raises(WorkerDies):
        send(ids)
    assert len(mail.outbox) == 1
    # The second rolled back, unsent; all three stay leased to the dead sender.
    assert states() == [("sent", "sent"), ("pending", "sending"), ("pending", "sending")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send(ids) == 0  # the task queued again: not before the lease runs out
    clock.advance(minutes=16)
    assert outbox.dispatch(here=True) == 2
    assert outbox.dispatch(here=True) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Delivery.objects.values_list("user__email", flat=True)
    )
    assert states() == [("sent", "sent")] * 3


def test_an_email_sent_by_a_sender_that_died_before_recording_it_is_not_sent_again(clock):
    [pk] = immediate_emails(1)
    delivery = Delivery.objects.get(pk=pk)
    [claimed] = outbox.claim(owner="dies-after-the-commit")
    # Its handler committed the send, then the process died before the outbox recorded it.
    assert emails.deliver(claimed, emails.get_connection()) == outbox.Sent()
    assert len(mail.outbox) == 1 and states() == [("sent", "sending")]
    clock.advance(minutes=16)
    assert outbox.dispatch(here=True) == 1  # recorded sent: that e-mail left
    assert len(mail.outbox) == 1
    assert message_of(delivery.pk).attempts == 2


def test_a_refusing_mail_server_leaves_the_email_pending_then_gives_up(settings, clock):
    [pk] = immediate_emails(1)
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.RefusingBackend"
    for _attempt in range(emails.BACKOFF.max_attempts):
        assert outbox.dispatch(here=True) == 1
        clock.advance(hours=2)
    assert outbox.dispatch(here=True) == 0
    delivery = Delivery.objects.select_related("message").get(pk=pk)
    assert delivery.message is not None
    assert (delivery.status, delivery.message.state, delivery.message.attempts) == (
        "pending",
        "dead",
        emails.BACKOFF.max_attempts,
    )
    assert "refused" in delivery.message.last_error
    # An administrator retries it once the server is fixed.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.retry_now(OutboxMessage.objects.filter(pk=delivery.message.pk))
    assert outbox.dispatch(here=True) == 1 and len(mail.outbox) == 1


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise OSError("connection refused")


def test_an_inactive_or_addressless_person_gets_no_email():
    [pk] = immediate_emails(1)
    person = Delivery.objects.get(pk=pk).user
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert send([pk]) == 0
    assert mail.outbox == []
    assert states() == [("skipped", "cancelled")]
    assert milestone(person, key="later") is None


def test_personal_data_export_and_erase():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.AID_MATCH: "off"})
    milestone(person)
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    milestone(person, key="k2", enqueue_email=False)
    exported = services.export(person)
    assert exported["e-mail preferences"][Kind.AID_MATCH] == "off"
    assert len(exported["notifications"]) == 2
    assert OutboxMessage.objects.count() == 1
    services.erase(person)
    assert not Notification.objects.filter(user=person).exists()
    assert not Preference.objects.filter(user=person).exists()
    assert not Delivery.objects.filter(user=person).exists()
    assert not OutboxMessage.objects.exists()


def test_the_dispatch_job_sends_an_email_whose_task_was_lost():
    immediate_emails(1)  # the enqueue lost with its worker
    assert outbox.dispatch(here=True) == 1
    assert len(mail.outbox) == 1
    assert outbox.dispatch(here=True) == 0


def test_an_eight_minute_outage_delays_the_email_and_loses_nothing(settings, clock, monkeypatch):
    monkeypatch.setattr(random, "uniform", lambda low, high: (low + high) / 2)  # no jitter
    [pk] = immediate_emails(1)
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.RefusingBackend"
    start = clock.now
    assert send([pk]) == 0  # the send queued at commit
    retried = []
    for minute in range(1, 9):  # the dispatch job, here every minute
        clock.advance(minutes=1)
        if outbox.dispatch(here=True):
            retried.append(minute)
    assert retried == [1, 3, 7]  # backoff: 1, 2, 4 minutes
    message = message_of(pk)
    assert (message.state, message.attempts) == ("pending", 4)
    assert message.due_at == start + timedelta(minutes=7 + 8)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    clock.now = start + timedelta(minutes=15)
    assert outbox.dispatch(here=True) == 1
    assert states() == [("sent", "sent")]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (20, 60)]
)
def test_the_email_backoff_doubles_up_to_an_hour(attempts, minutes):
    assert emails.BACKOFF.delay(attempts, uniform=lambda low, high: 1.0) == timedelta(
        minutes=minutes
    )


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("connection refused")


def test_a_mail_server_that_cannot_be_reached_is_a_failed_attempt_for_the_whole_batch(
    settings, clock
):
    ids = immediate_emails(2)
    settings.EMAIL_BACKEND = "essaim.notifications.tests.test_outbox.UnreachableBackend"
    assert send(ids) == 0
    rows = OutboxMessage.objects.order_by("pk").values_list("state", "attempts", "last_error")
    assert list(rows) == [("pending", 1, "ConnectionRefusedError: connection refused")] * 2
    for due_at in OutboxMessage.objects.values_list("due_at", flat=True):
        assert clock.now + timedelta(seconds=54) <= due_at <= clock.now + timedelta(seconds=66)


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
def test_an_email_that_cannot_be_sent_fails_alone_and_the_batch_goes_on(poison, error, clock):
    poisoned, fine = UserFactory.create_batch(2, language="en")
    for person in (poisoned, fine):
        services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    bad = milestone(poisoned, enqueue_email=False)
    milestone(fine, enqueue_email=False)
    poison(poisoned, bad)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert send(ids) == 1
    assert [m.to for m in mail.outbox] == [[fine.email]]
    failed = message_of(bad.delivery_id)
    assert (failed.state, failed.attempts) == ("dead", 1)
    assert failed.last_error.startswith(f"{error}: ")
    # Never picked again: not by a rerun, not by the dispatch job.
    clock.advance(hours=2)
    assert outbox.dispatch(here=True) == 0
    assert send(ids) == 0


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
    # The send holds a transaction and a row lock (emails docstring): it must not hang.
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
            sent.append(send(order))
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
    assert set(Delivery.objects.values_list("status", "message__state")) == {("sent", "sent")}
