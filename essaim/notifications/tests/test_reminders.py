"""Reminders and the tick: each due once, found again after a late or repeated run."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.models import AidListing
from essaim.aid.tests.factories import AidListingFactory
from essaim.campaigns.models import ChallengeDay, CheckIn, Donation, Milestone, Participant, Rsvp
from essaim.campaigns.services import events
from essaim.campaigns.tests.factories import (
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
)
from essaim.core.models import OutboxMessage
from essaim.notifications import reminders, scheduling, services
from essaim.notifications.milestones import notify_milestone
from essaim.notifications.models import Delivery, Notification, ScheduledRun
from essaim.notifications.tests.helpers import send
from essaim.relay.services import supporter_record

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def keys(kind: str) -> list[tuple[int, str]]:
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("user_id", "key")
        .values_list("user_id", "key")
    )


def test_event_reminders_the_day_before_and_two_hours_before_once_each():
    now = timezone.now()
    event = EventFactory.create(
        starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22)
    )
    coming, waiting = UserFactory.create_batch(2)
    Rsvp.objects.create(event=event, user=coming, status=Rsvp.Status.CONFIRMED, position=1)
    Rsvp.objects.create(event=event, user=waiting, status=Rsvp.Status.WAITLISTED, position=2)
    later = EventFactory.create(
        starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1)
    )
    Rsvp.objects.create(event=later, user=coming, status=Rsvp.Status.CONFIRMED, position=1)

    assert len(reminders.event_reminders(now)) == 1
    assert reminders.event_reminders(now + timedelta(minutes=5)) == []
    assert keys(Kind.EVENT_REMINDER) == [(coming.pk, f"event:{event.pk}:day")]
    assert len(reminders.event_reminders(now + timedelta(hours=19))) == 1
    assert reminders.event_reminders(now + timedelta(hours=19, minutes=30)) == []
    assert keys(Kind.EVENT_REMINDER) == [
        (coming.pk, f"event:{event.pk}:day"),
        (coming.pk, f"event:{event.pk}:soon"),
    ]
    assert Delivery.objects.filter(status="pending").count() == 2  # queued by the caller


def reschedule(event, **times):
    values = {
        "title": event.title,
        "address": event.address,
        "city": event.city,
        "capacity": event.capacity,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        **times,
    }
    return events.event_update(actor=event.campaign.created_by, event=event, **values)


def test_an_event_moved_to_another_day_is_reminded_again_before_its_new_time():
    now = timezone.now()
    event = EventFactory.create(
        starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22)
    )
    coming = UserFactory.create()
    Rsvp.objects.create(event=event, user=coming, status=Rsvp.Status.CONFIRMED, position=1)
    [first] = reminders.event_reminders(now)

    moved = reschedule(
        event, starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=2)
    )

    assert reminders.event_reminders(now + timedelta(minutes=5)) == []
    [again] = reminders.event_reminders(now + timedelta(days=6, hours=2))
    assert again != first
    # The first reminder stays in the person's list, under a key set aside.
    reminded = Notification.objects.filter(user=coming, kind=Kind.EVENT_REMINDER).order_by("pk")
    assert [(n.key, n.params["when"]) for n in reminded] == [
        (f"event:{event.pk}:day~{reminded[0].pk}", event.starts_at.isoformat()),
        (f"event:{event.pk}:day", moved.starts_at.isoformat()),
    ]
    assert Delivery.objects.get(pk=again).key == f"notification:event:{event.pk}:day"
    assert reminders.event_reminders(now + timedelta(days=6, hours=3)) == []


def test_a_reminder_still_queued_when_the_event_moves_is_never_mailed():
    now = timezone.now()
    event = EventFactory.create(
        starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22)
    )
    mailed, queued = UserFactory.create_batch(2)
    for position, person in enumerate((mailed, queued), start=1):
        Rsvp.objects.create(
            event=event, user=person, status=Rsvp.Status.CONFIRMED, position=position
        )
    first = reminders.event_reminders(now)
    sent = Delivery.objects.get(pk__in=first, user=mailed)
    assert send([sent.pk]) == 1

    reschedule(event, starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=2))

    left = Delivery.objects.get(pk__in=first, user=queued)
    assert (left.status, Delivery.objects.get(pk=sent.pk).status) == ("skipped", "sent")
    mail.outbox.clear()
    assert send(first) == 0
    assert mail.outbox == []
    assert left.message_id is not None
    assert OutboxMessage.objects.get(pk=left.message_id).state == "cancelled"


def test_an_event_that_only_ends_later_is_not_reminded_again():
    now = timezone.now()
    event = EventFactory.create(
        starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22)
    )
    Rsvp.objects.create(
        event=event, user=UserFactory.create(), status=Rsvp.Status.CONFIRMED, position=1
    )
    assert len(reminders.event_reminders(now)) == 1

    reschedule(event, ends_at=now + timedelta(hours=23), title="Ramassage prolongé")

    assert reminders.event_reminders(now + timedelta(minutes=5)) == []
    assert Notification.objects.get(kind=Kind.EVENT_REMINDER).key == f"event:{event.pk}:day"


def test_todays_challenge_prompt_to_those_who_have_not_checked_in():
    today = timezone.localdate()
    challenge = ChallengeFactory.create()
    ChallengeDay.objects.create(challenge=challenge, date=today, prompt="Ramasser 10 déchets")
    lazy, done = UserFactory.create_batch(2)
    Participant.objects.create(challenge=challenge, user=lazy)
    CheckIn.objects.create(
        participant=Participant.objects.create(challenge=challenge, user=done), date=today
    )
    assert len(reminders.challenge_prompts(today)) == 1
    assert reminders.challenge_prompts(today) == []
    [notification] = Notification.objects.filter(kind=Kind.CHALLENGE_PROMPT)
    assert notification.user == lazy
    assert notification.params["prompt"] == "Ramasser 10 déchets"
    # No prompt for a day the hosts did not write.
    assert reminders.challenge_prompts(today + timedelta(days=1)) == []


@pytest.mark.parametrize(
    ("raised", "told"), [(8_999_00, False), (9_000_00, True), (10_000_00, False)]
)
def test_a_fundraiser_near_its_goal_tells_supporters_and_followers_once(raised, told):
    fundraiser = FundraiserFactory.create(goal_amount=10_000_00)
    supporter, follower, _stranger = UserFactory.create_batch(3)
    supporter_record(campaign=fundraiser.campaign, user=supporter, action="sign")
    fundraiser.campaign.follows.create(user=follower)
    Donation.objects.create(
        fundraiser=fundraiser,
        amount=raised,
        currency="EUR",
        status=Donation.Status.SUCCEEDED,
        provider="offline",
        idempotency_key="00000000-0000-0000-0000-000000000001",
    )
    reminders.fundraisers_near_goal(timezone.now())
    reminders.fundraisers_near_goal(timezone.now())
    expected = sorted([supporter.pk, follower.pk]) if told else []
    assert [user_id for user_id, _key in keys(Kind.FUNDRAISER_NEAR_GOAL)] == expected


def test_a_new_request_tells_the_authors_of_matching_offers_who_can_see_it():
    bike_offer = AidListingFactory.create(title="Vélo enfant à donner", body="", place="Paris")
    unrelated = AidListingFactory.create(title="Cours de guitare", body="", place="Lyon")
    request = AidListingFactory.create(
        kind=AidListing.Kind.REQUEST, title="Cherche vélo enfant", body="", place="Paris"
    )
    since = timezone.now() - reminders.AID_WINDOW
    reminders.aid_matches(since=since)
    reminders.aid_matches(since=since)
    assert keys(Kind.AID_MATCH) == [
        (bike_offer.author_id, f"aid-match:{bike_offer.pk}:{request.pk}")
    ]
    assert not Notification.objects.filter(user=unrelated.author).exists()
    # An old request is not news.
    AidListing.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=1))
    Notification.objects.all().delete()
    assert reminders.aid_matches(since=since) == []


def aid_run(slot_time: datetime) -> ScheduledRun:
    return ScheduledRun.objects.create(
        job="aid_matches", slot=scheduling._floor(slot_time, 10), enqueued_at=slot_time
    )


@pytest.mark.parametrize(("created_hours_ago", "told"), [(2.5, True), (4.5, True), (49, False)])
def test_an_aid_match_run_hours_late_still_sees_the_requests_since_the_last_run(
    created_hours_ago, told
):
    now = timezone.now()
    offer = AidListingFactory.create(title="Vélo enfant à donner", body="", place="Paris")
    request = AidListingFactory.create(
        kind=AidListing.Kind.REQUEST, title="Cherche vélo enfant", body="", place="Paris"
    )
    AidListing.objects.filter(pk=request.pk).update(
        created_at=now - timedelta(hours=created_hours_ago)
    )
    # The last run finished three hours ago; the workers were down since. The run of the next
    # slot executes now.
    ScheduledRun.objects.filter(pk=aid_run(now - timedelta(hours=3, minutes=10)).pk).update(
        finished_at=now - timedelta(hours=3)
    )
    late = aid_run(now - timedelta(hours=3))
    scheduling.run(late.pk)
    expected = [(offer.author_id, f"aid-match:{offer.pk}:{request.pk}")] if told else []
    assert keys(Kind.AID_MATCH) == expected


def test_an_aid_match_run_looks_back_from_its_slot_and_never_more_than_two_days():
    slot_time = timezone.make_aware(datetime(2026, 11, 23, 8, 10))
    run = aid_run(slot_time)
    assert scheduling.aid_window_start(run) == slot_time - reminders.AID_WINDOW  # the first
    ScheduledRun.objects.filter(pk=aid_run(slot_time - timedelta(days=5)).pk).update(
        finished_at=slot_time - timedelta(days=5)
    )
    assert scheduling.aid_window_start(run) == slot_time - scheduling.AID_MAX_LOOKBACK


def test_a_person_promoted_from_the_waiting_list_is_told(django_capture_on_commit_callbacks):
    event = EventFactory.create(capacity=1)
    first, second = UserFactory.create_batch(2)
    events.rsvp_create(user=first, event=event)
    events.rsvp_create(user=second, event=event)
    with django_capture_on_commit_callbacks(execute=True):
        events.rsvp_cancel(user=first, event=event)
    [notification] = Notification.objects.filter(kind=Kind.EVENT_PROMOTED)
    assert notification.user == second
    assert notification.url == event.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[second.email]]
    assert "Une place s’est libérée" in mail.outbox[0].subject  # the person's language


def test_a_milestone_tells_the_hosts_in_app_and_by_email_once(django_capture_on_commit_callbacks):
    fundraiser = FundraiserFactory.create()
    campaign = fundraiser.campaign
    campaign.created_by.language = "en"
    campaign.created_by.save(update_fields=["language"])
    milestone = Milestone.objects.create(campaign=campaign, kind="signatures", threshold=100)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_milestone.call(milestone.pk) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_milestone.call(milestone.pk) == 0
    [notification] = Notification.objects.filter(kind=Kind.CAMPAIGN_MILESTONE)
    assert notification.user == campaign.created_by
    [message] = mail.outbox
    assert message.subject == f"{campaign.title}: 100 signatures!"
    assert f"your campaign “{campaign.title}” has reached 100 signatures" in message.body


PARIS_MONDAY_8AM = datetime(2026, 11, 23, 8, 0)


@pytest.mark.parametrize(
    ("moment", "daily", "weekly"),
    [
        (datetime(2026, 11, 23, 6, 59), "2026-11-21", "2026-11-09"),
        (datetime(2026, 11, 23, 7, 0), "2026-11-22", "2026-11-16"),
        (datetime(2026, 11, 25, 3, 0), "2026-11-23", "2026-11-16"),
    ],
)
def test_digest_slots(moment, daily, weekly):
    runs = dict(scheduling.due_runs(timezone.make_aware(moment)))
    assert (runs["daily_digest"], runs["weekly_digest"]) == (daily, weekly)


def test_the_tick_queues_each_run_once_and_again_only_when_lost(django_capture_on_commit_callbacks):
    now = timezone.make_aware(PARIS_MONDAY_8AM)
    with django_capture_on_commit_callbacks() as queued:
        first = scheduling.tick(now)
    jobs = set(ScheduledRun.objects.values_list("job", flat=True))
    assert jobs == {
        "event_reminders",
        "aid_matches",
        "fundraisers",
        "daily_digest",
        "weekly_digest",
    }  # no challenge prompts before 09:00
    assert first["runs"] == len(queued) == 5
    with django_capture_on_commit_callbacks() as queued:
        again = scheduling.tick(now + timedelta(seconds=30))
    assert again["runs"] == 0 and queued == []
    # Twenty minutes later: new slots for the frequent jobs, and the five unfinished runs,
    # whose tasks never ran, queued once more.
    with django_capture_on_commit_callbacks(execute=True):
        later = scheduling.tick(now + timedelta(minutes=20))
    assert later["lost"] == 5
    assert ScheduledRun.objects.filter(finished_at__isnull=True).count() == 0


def test_the_tick_command_runs_the_due_work(django_capture_on_commit_callbacks):
    now = timezone.now()
    event = EventFactory.create(
        starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )
    person = UserFactory.create()
    Rsvp.objects.create(event=event, user=person, status=Rsvp.Status.CONFIRMED, position=1)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notifications_tick", stdout=StringIO())
    assert keys(Kind.EVENT_REMINDER) == [(person.pk, f"event:{event.pk}:soon")]
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert services.selectors.unread_count(person) == 1
