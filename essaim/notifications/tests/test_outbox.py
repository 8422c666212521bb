"""E-mail: preferences decide when, the outbox sends each e-mail exactly once, in the
recipient's language, with one-click unsubscribe."""

import threading
from datetime import datetime, timedelta
from typing import ClassVar

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.notifications import outbox, scheduling, services, tasks
from essaim.notifications.links import unsubscribe_read
from essaim.notifications.models import (
    Delivery,
    Frequency,
    Notification,
    Preference,
    ScheduledRun,
)

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def milestone(user, key="k1", count=5, **extra):
    return services.notify(
        user=user,
        kind=Kind.RELAY_MILESTONE,
        key=key,
        params={"campaign": "Fontaines", "count": count},
        url="/campaigns/fontaines/",
        **extra,
    )


def at(moment: datetime, notification: Notification | None) -> None:
    assert notification is not None
    Notification.objects.filter(pk=notification.pk).update(created_at=moment)


YESTERDAY = timezone.localdate() - timedelta(days=1)
NOON_YESTERDAY = timezone.make_aware(datetime.combine(YESTERDAY, datetime.min.time())) + timedelta(
    hours=12
)


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
    # Rendered under the reader's language, not the worker's (English in these tests).
    assert (
        message.subject
        == "Les modérateurs vous ont averti au sujet de un message. Motif : insultes"
    )
    assert message.body.splitlines()[2] == message.subject


@pytest.mark.parametrize(
    ("frequency", "emailed"),
    [("immediately", True), ("daily", False), ("weekly", False), ("off", False)],
)
def test_the_persons_choice_decides_whether_it_leaves_at_once(
    frequency, emailed, django_capture_on_commit_callbacks
):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: frequency})
    with django_capture_on_commit_callbacks(execute=True):
        told = milestone(person)
    assert told is not None
    assert Notification.objects.filter(user=person).count() == 1  # in-app always
    assert len(mail.outbox) == int(emailed)
    assert Delivery.objects.count() == int(emailed)


def test_defaults_and_a_saved_choice():
    person = UserFactory.create()
    assert services.selectors.frequency_for(person, Kind.EVENT_REMINDER) == "immediately"
    assert services.selectors.frequency_for(person, Kind.RELAY_MILESTONE) == "daily"
    services.preferences_set(
        user=person, choices={Kind.RELAY_MILESTONE: "weekly", "nonsense": "daily", "x": "y"}
    )
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "bogus"})
    assert list(Preference.objects.values_list("kind", "frequency")) == [
        (Kind.RELAY_MILESTONE.value, "weekly")
    ]


def daily_digest_of_yesterday(person, items=3):
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.DAILY})
    told = [milestone(person, key=f"k{n}", count=n + 1) for n in range(items)]
    for notification in told:
        at(NOON_YESTERDAY, notification)
    return told


def run_daily_digest(django_capture_on_commit_callbacks) -> ScheduledRun:
    run = ScheduledRun.objects.create(
        job="daily_digest", slot=YESTERDAY.isoformat(), enqueued_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_scheduled.enqueue(run.pk)
    return run


def test_a_daily_digest_carries_the_days_items_of_its_kinds_once(
    django_capture_on_commit_callbacks,
):
    person, other = UserFactory.create(language="en"), UserFactory.create()
    daily_digest_of_yesterday(person, items=3)
    today = milestone(person, key="today", count=9)  # tomorrow's digest
    immediate = services.notify(user=person, kind=Kind.APPEAL_DECIDED, key="a", params={})
    at(NOON_YESTERDAY, immediate)  # had its own e-mail (its send was not run here)
    Preference.objects.create(user=other, kind=Kind.RELAY_MILESTONE, frequency="off")
    at(NOON_YESTERDAY, milestone(other))
    run_daily_digest(django_capture_on_commit_callbacks)
    digests = [m for m in mail.outbox if m.subject.startswith("Your day on Essaim")]
    assert len(digests) == 1
    [digest] = digests
    assert digest.to == [person.email]
    assert "3 notifications" in digest.subject
    assert digest.body.count("- Your share link") == 3
    assert "brought 9 people" not in digest.body
    assert "Your appeal" not in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    today.refresh_from_db()
    assert today.delivery is None
    # The run again (a requeued task), and the planning again: nothing more.
    ScheduledRun.objects.update(finished_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_scheduled.enqueue(ScheduledRun.objects.get().pk)
        outbox.deliveries_send(list(Delivery.objects.values_list("pk", flat=True)))
    assert len([m for m in mail.outbox if m.subject.startswith("Your day")]) == 1


def test_a_crash_between_planning_and_sending_loses_nothing_and_doubles_nothing(
    django_capture_on_commit_callbacks,
):
    person = UserFactory.create(language="en")
    daily_digest_of_yesterday(person, items=2)
    # Step one ran (the digest written, its items bound), then the worker died: its
    # transaction had committed, the send was never queued.
    planned = outbox.digests_plan(outbox.digest_period(Frequency.DAILY, YESTERDAY))
    assert len(planned) == 1 and mail.outbox == []
    # The task runs again from the start.
    run_daily_digest(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("- Your share link") == 2
    # And the tick's sweep of stalled e-mails finds nothing left.
    assert outbox.deliveries_stalled(before=timezone.now() + timedelta(days=1)) == []


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


def test_unsubscribing_a_kind_takes_it_out_of_a_digest_not_yet_sent():
    person = UserFactory.create()
    daily_digest_of_yesterday(person, items=2)
    [pk] = outbox.digests_plan(outbox.digest_period(Frequency.DAILY, YESTERDAY))
    services.unsubscribe(user=person, kinds=(Kind.RELAY_MILESTONE.value,))
    assert outbox.deliveries_send([pk]) == 0
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED
    assert Notification.objects.filter(user=person).count() == 2  # in-app stays


def test_a_weekly_digest_covers_the_week():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.WEEKLY})
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    period = outbox.digest_period(Frequency.WEEKLY, monday)
    inside = [milestone(person, key=f"w{day}", count=day + 1) for day in range(7)]
    for day, notification in enumerate(inside):
        at(period.start + timedelta(days=day, hours=20), notification)
    at(period.end + timedelta(minutes=1), milestone(person, key="after", count=50))
    [pk] = outbox.digests_plan(period)
    assert Notification.objects.filter(delivery_id=pk).count() == 7
    assert outbox.deliveries_send([pk]) == 1
    assert "Votre semaine sur Essaim" in mail.outbox[0].subject  # the person's language


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


def test_the_tick_sweeps_emails_whose_send_was_lost(django_capture_on_commit_callbacks):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: "immediately"})
    milestone(person, enqueue_email=False)  # the enqueue lost with its worker
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        counts = scheduling.tick()
    assert counts["stalled_emails"] == 1
    assert len(mail.outbox) == 1


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
