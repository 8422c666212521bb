"""Those who answered an event hear when it is called off or moves, once per change; a change
that does not concern them (its description, its places) tells nobody."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Event, Rsvp
from essaim.campaigns.services import events
from essaim.campaigns.tests.factories import EventFactory
from essaim.notifications.campaign_events import notify_event_altered
from essaim.notifications.models import Notification
from essaim.notifications.texts import text_of

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def answered():
    """An event with someone coming, someone waiting and someone who gave their place back."""
    event = EventFactory.create(capacity=1)
    coming, waiting, gone = UserFactory.create_batch(3, language="en")
    Rsvp.objects.create(event=event, user=coming, status=Rsvp.Status.CONFIRMED, position=1)
    Rsvp.objects.create(event=event, user=waiting, status=Rsvp.Status.WAITLISTED, position=2)
    Rsvp.objects.create(event=event, user=gone, status=Rsvp.Status.CANCELLED, position=3)
    return event, coming, waiting


def edit(event: Event, **changes: Any) -> Event:
    values: dict[str, Any] = {
        "title": event.title,
        "address": event.address,
        "city": event.city,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "capacity": event.capacity,
        "description": event.description,
        **changes,
    }
    return events.event_update(actor=event.campaign.created_by, event=event, **values)


def told() -> list[tuple[int, str]]:
    return sorted(
        (n.user_id, text_of(n)) for n in Notification.objects.filter(kind=Kind.EVENT_ALTERED)
    )


def test_calling_an_event_off_tells_everyone_who_answered_once(
    answered, django_capture_on_commit_callbacks
):
    event, coming, waiting = answered
    with django_capture_on_commit_callbacks(execute=True):
        events.event_cancel(actor=event.campaign.created_by, event=event)
    with django_capture_on_commit_callbacks(execute=True):
        events.event_cancel(actor=event.campaign.created_by, event=event)  # changes nothing
    assert [user for user, _text in told()] == [coming.pk, waiting.pk]
    assert all("is called off by its hosts" in text for _user, text in told())
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coming.email, waiting.email])
    # A worker that died after telling them and runs again tells nobody twice.
    assert notify_event_altered.call(event.pk, cancelled=True, rescheduled=False, moved=False) == 0


def test_other_times_or_another_place_tell_them_what_it_is_now(
    answered, django_capture_on_commit_callbacks
):
    event, coming, _waiting = answered
    later = event.starts_at + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        edit(event, starts_at=later, ends_at=later + timedelta(hours=2))
    assert len(told()) == 2
    assert "has moved to another time" in told()[0][1]
    event.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        edit(event, address="Quai de Jemmapes")
    moved = Notification.objects.filter(kind=Kind.EVENT_ALTERED, user=coming).order_by("pk")
    assert [text_of(n) for n in moved][1].endswith("has moved to another place: Quai de Jemmapes.")
    assert moved[1].url == event.get_absolute_url()


def test_a_change_that_does_not_concern_them_tells_nobody(
    answered, django_capture_on_commit_callbacks
):
    event, _coming, _waiting = answered
    with django_capture_on_commit_callbacks(execute=True):
        edit(event, description="Apportez des gants.", capacity=3, title="Ramassage du quai")
    assert told() == []


def test_an_event_not_yet_published_tells_nobody(django_capture_on_commit_callbacks):
    event = EventFactory.create(status=Event.Status.PROPOSED)
    Rsvp.objects.create(event=event, user=UserFactory.create(), status="confirmed", position=1)
    later = timezone.now() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        edit(event, starts_at=later, ends_at=later + timedelta(hours=1))
    assert told() == []
