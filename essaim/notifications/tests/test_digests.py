"""Digests: the person's choice decides when an e-mail leaves; a daily or weekly digest carries each
item once, whatever the changes of frequency in between."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.notifications import emails as email_channel
from essaim.notifications import services, tasks
from essaim.notifications.models import (
    Delivery,
    Frequency,
    Notification,
    Preference,
    ScheduledRun,
)
from essaim.notifications.tests.helpers import (
    Kind,
    at,
    daily_digest_of,
    emails,
    milestone,
    noon,
    run_daily_digest,
    send,
)

pytestmark = pytest.mark.django_db


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
    assert len(emails(person)) == int(emailed)


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


def test_a_daily_digest_carries_the_days_items_of_its_kinds_once(
    django_capture_on_commit_callbacks, yesterday
):
    person, other = UserFactory.create(language="en"), UserFactory.create()
    daily_digest_of(person, yesterday, items=3)
    today = milestone(person, key="today", count=9)  # tomorrow's digest
    immediate = services.notify(user=person, kind=Kind.APPEAL_DECIDED, key="a", params={})
    at(noon(yesterday), immediate)  # had its own e-mail (its send was not run here)
    Preference.objects.create(user=other, kind=Kind.RELAY_MILESTONE, frequency="off")
    at(noon(yesterday), milestone(other))
    run_daily_digest(django_capture_on_commit_callbacks, yesterday)
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
        send(list(Delivery.objects.values_list("pk", flat=True)))
    assert len([m for m in mail.outbox if m.subject.startswith("Your day")]) == 1


def test_unsubscribing_a_kind_takes_it_out_of_a_digest_not_yet_sent(yesterday):
    person = UserFactory.create()
    daily_digest_of(person, yesterday, items=2)
    [pk] = email_channel.digests_plan(email_channel.digest_period(Frequency.DAILY, yesterday))
    services.unsubscribe(user=person, kinds=(Kind.RELAY_MILESTONE.value,))
    assert send([pk]) == 0
    assert [d.status for d in emails(person)] == [Delivery.Status.SKIPPED]
    assert Notification.objects.filter(user=person).count() == 2  # in-app stays
    # Turned on again, a digest does not bring back what was stopped.
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.DAILY})
    assert (
        email_channel.digests_plan(
            email_channel.digest_period(Frequency.DAILY, timezone.localdate())
        )
        == []
    )


def test_a_weekly_digest_covers_the_week():
    person = UserFactory.create()
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.WEEKLY})
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    period = email_channel.digest_period(Frequency.WEEKLY, monday)
    inside = [milestone(person, key=f"w{day}", count=day + 1) for day in range(7)]
    for day, notification in enumerate(inside):
        at(period.start + timedelta(days=day, hours=20), notification)
    at(period.end + timedelta(minutes=1), milestone(person, key="after", count=50))
    [pk] = email_channel.digests_plan(period)
    assert Notification.objects.filter(delivery_id=pk).count() == 7
    assert send([pk]) == 1
    assert "Votre semaine sur Essaim" in mail.outbox[0].subject  # the person's language


def test_switching_weekly_to_daily_mid_week_puts_mondays_item_in_the_next_daily_digest():
    person = UserFactory.create(language="en")
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.WEEKLY})
    at(noon(monday), milestone(person, key="monday"))
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.DAILY})
    at(noon(monday + timedelta(days=1)), milestone(person, key="tuesday"))
    # Tuesday's digest (sent Wednesday morning) takes Monday's item too.
    [pk] = email_channel.digests_plan(
        email_channel.digest_period(Frequency.DAILY, monday + timedelta(days=1))
    )
    assert sorted(Notification.objects.filter(delivery_id=pk).values_list("key", flat=True)) == [
        "monday",
        "tuesday",
    ]
    # Neither goes in another e-mail: not the next day's digest, not the week's.
    for period in (
        email_channel.digest_period(Frequency.DAILY, monday + timedelta(days=2)),
        email_channel.digest_period(Frequency.WEEKLY, monday),
    ):
        assert email_channel.digests_plan(period) == []
    assert Notification.objects.filter(delivery_id=pk).count() == 2
    assert send([pk]) == 1
    assert "2 notifications" in mail.outbox[0].subject


def test_switching_daily_to_at_once_sends_what_waited_in_the_next_days_digest(yesterday):
    person = UserFactory.create(language="en")
    daily_digest_of(person, yesterday, items=1)
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.IMMEDIATELY})
    [pk] = email_channel.digests_plan(email_channel.digest_period(Frequency.DAILY, yesterday))
    assert Notification.objects.filter(delivery_id=pk).count() == 1
    assert send([pk]) == 1


def test_a_reminder_left_unbound_is_not_put_in_a_digest(yesterday):
    person = UserFactory.create()
    reminder = services.notify(
        user=person, kind=Kind.EVENT_REMINDER, key="event:1:soon", params={"soon": True}
    )
    assert reminder is not None
    # Written under a digest frequency saved before they were refused.
    Notification.objects.filter(pk=reminder.pk).update(delivery=None, created_at=noon(yesterday))
    assert email_channel.digests_plan(email_channel.digest_period(Frequency.DAILY, yesterday)) == []


def test_a_digest_saved_for_a_reminder_before_it_was_refused_sends_it_at_once():
    person = UserFactory.create()
    Preference.objects.create(user=person, kind=Kind.CHALLENGE_PROMPT, frequency=Frequency.DAILY)
    assert services.selectors.frequency_for(person, Kind.CHALLENGE_PROMPT) == "immediately"
    told = services.notify(user=person, kind=Kind.CHALLENGE_PROMPT, key="challenge:1:today")
    assert told is not None and told.delivery is not None
    assert told.delivery.status == Delivery.Status.PENDING


@pytest.mark.parametrize("kind", [Kind.EVENT_REMINDER, Kind.CHALLENGE_PROMPT])
@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.WEEKLY])
def test_a_reminder_cannot_be_set_to_a_digest(kind, frequency):
    person = UserFactory.create()
    services.preferences_set(user=person, choices={kind: frequency})
    assert not Preference.objects.filter(user=person).exists()
    services.preferences_set(user=person, choices={kind: Frequency.OFF})
    assert list(Preference.objects.values_list("kind", "frequency")) == [(kind.value, "off")]
