"""Quiet hours in the person's own time zone hold a push until the morning, the daily cap
holds the rest, and a reminder whose moment passed (or whose event moved) is not pushed."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Rsvp
from essaim.campaigns.services import events
from essaim.campaigns.tests.factories import EventFactory
from essaim.core.models import OutboxMessage
from essaim.notifications import push, reminders, services
from essaim.notifications.models import (
    Notification,
    PushSchedule,
)
from essaim.notifications.tests.push.support import (
    PARIS,
    Kind,
    milestone,
    send_due,
    subscribe,
)
from essaim.notifications.tests.push_receiver import Device

pytestmark = pytest.mark.django_db


def test_quiet_hours_hold_a_push_until_the_morning(client, service, clock):
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/night"))
    notification = milestone(person)
    [message] = OutboxMessage.objects.filter(channel="push")
    assert message.due_at == datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)
    assert send_due() == 0
    clock.now = datetime(2026, 6, 11, 7, 59, tzinfo=PARIS)
    assert send_due() == 0
    assert service.received == []
    clock.now = datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)
    assert send_due() == 1
    assert len(service.received) == 1
    # Counted on the day it is pushed.
    assert Notification.objects.get(pk=notification.pk).push_day == datetime(2026, 6, 11).date()


def test_quiet_hours_are_the_persons_own_in_their_time_zone(client, service, clock):
    # 22:30 in Paris is 16:30 in New York: not quiet there.
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/ny"), "America/New_York")
    assert PushSchedule.objects.get(user=person).time_zone == "America/New_York"
    milestone(person)
    assert send_due() == 1
    # Changed to 16:00–17:00 there: held until 17:00 New York time.
    push.schedule_set(user=person, quiet_from=time(16), quiet_until=time(17))
    milestone(person, key="relay:1:10")
    held = OutboxMessage.objects.filter(channel="push", state=OutboxMessage.State.PENDING).get()
    assert held.due_at == datetime(2026, 6, 10, 17, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("quiet", "local", "until"),
    [
        ((21, 8), datetime(2026, 6, 10, 20, 59), None),
        ((21, 8), datetime(2026, 6, 10, 21, 0), datetime(2026, 6, 11, 8, 0)),
        ((21, 8), datetime(2026, 6, 10, 23, 59), datetime(2026, 6, 11, 8, 0)),
        ((21, 8), datetime(2026, 6, 11, 0, 30), datetime(2026, 6, 11, 8, 0)),
        ((21, 8), datetime(2026, 6, 11, 8, 0), None),
        ((13, 14), datetime(2026, 6, 10, 13, 30), datetime(2026, 6, 10, 14, 0)),
        ((13, 14), datetime(2026, 6, 10, 14, 30), None),
        ((8, 8), datetime(2026, 6, 10, 3, 0), None),
    ],
)
def test_when_quiet_hours_end(quiet, local, until):
    schedule = PushSchedule(
        time_zone="Europe/Paris", quiet_from=time(quiet[0]), quiet_until=time(quiet[1])
    )
    expected = until.replace(tzinfo=PARIS) if until else None
    assert push.quiet_until(local.replace(tzinfo=PARIS), schedule) == expected


def test_never_more_than_the_daily_cap(client, service, midday, settings):
    settings.PUSH_DAILY_CAP = 2
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/a"))
    subscribe(client, person, Device(endpoint=f"{service.url}/push/b"))
    for count in (5, 10, 25):
        milestone(person, key=f"relay:1:{count}")
    # Two notifications pushed, to both devices; the third stays in-app (and by e-mail).
    assert OutboxMessage.objects.filter(channel="push").count() == 4
    assert Notification.objects.filter(user=person).count() == 3
    assert Notification.objects.filter(user=person, push_day__isnull=False).count() == 2
    # The next day counts afresh.
    midday.advance(days=1)
    milestone(person, key="relay:1:50")
    assert OutboxMessage.objects.filter(channel="push").count() == 6


def test_a_reminder_held_past_its_moment_is_not_pushed(client, service, clock):
    clock.now = datetime(2026, 6, 10, 22, 0, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/r"))
    event = EventFactory.create(starts_at=clock.now + timedelta(minutes=90))
    services.notify(
        user=person,
        kind=Kind.EVENT_REMINDER,
        key=f"event:{event.pk}:soon",
        params={"event": event.title, "when": event.starts_at.isoformat(), "soon": True},
    )
    # Quiet until 08:00, long after the event started: nothing to push.
    assert OutboxMessage.objects.filter(channel="push").count() == 0


def test_a_reminder_waiting_for_the_morning_is_not_pushed_once_its_event_moved(
    client, service, clock
):
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=PARIS)
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/moved"))
    start = datetime(2026, 6, 11, 18, 0, tzinfo=PARIS)
    event = EventFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    Rsvp.objects.create(event=event, user=person, status=Rsvp.Status.CONFIRMED, position=1)
    reminders.event_reminders(clock.now)
    [waiting] = OutboxMessage.objects.filter(channel="push")
    assert waiting.due_at == datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)

    events.event_update(
        actor=event.campaign.created_by,
        event=event,
        title=event.title,
        address=event.address,
        city=event.city,
        capacity=event.capacity,
        starts_at=start + timedelta(days=7),
        ends_at=start + timedelta(days=7, hours=2),
    )

    clock.now = datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)
    send_due()
    assert service.received == []
    assert OutboxMessage.objects.get(pk=waiting.pk).state == "cancelled"
