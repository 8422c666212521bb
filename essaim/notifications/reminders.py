"""Reminders: who is due one now, told through `notify` (once per person and fact, by the
notification's unique key). Each function is safe to run again at any time: what was told is
not told twice, what was missed by a late run is still due on the next one (windows, not
instants). They return the outbox rows to send, which the caller queues in batches."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.selectors import listings_visible_to, matches_for
from essaim.campaigns.models import (
    Campaign,
    CampaignFollow,
    ChallengeDay,
    CheckIn,
    Event,
    Fundraiser,
    Participant,
    Rsvp,
)
from essaim.campaigns.selectors import fundraiser_totals
from essaim.campaigns.services.guest_links import guest_check_in_path, rsvp_path

# Module import: services → tasks → scheduling → this module.
from essaim.notifications import push, services
from essaim.notifications.models import Delivery, Notification
from essaim.relay.models import Supporter

Kind = Notification.Kind

EVENT_DAY_BEFORE = timedelta(hours=24)
EVENT_SOON = timedelta(hours=2)
NEAR_GOAL_SHARE = 0.9
AID_WINDOW = timedelta(hours=2)
# The two reminders of an event, each once per person: "event:<pk>:day", "event:<pk>:soon".
DAY, SOON = ":day", ":soon"


def _told(key: str | Concat, user_field: str = "user") -> Exists:
    """Whether the outer row's person already has the notification `key`."""
    return Exists(Notification.objects.filter(user=OuterRef(user_field), key=key))


def _delivered(notification: Notification | None) -> list[int]:
    if notification is None or notification.delivery_id is None:
        return []
    return [notification.delivery_id]


def event_reminders(now: datetime) -> list[int]:
    """The day before (within 24 hours) and again within two hours of an event, to each
    person with a confirmed place."""
    deliveries: list[int] = []
    live = Q(
        event__status=Event.Status.APPROVED,
        event__campaign__status=Campaign.Status.LIVE,
        event__campaign__moderation="visible",
        status=Rsvp.Status.CONFIRMED,
        user__is_active=True,
    )
    for suffix, window in (
        (
            DAY,
            Q(event__starts_at__gt=now + EVENT_SOON, event__starts_at__lte=now + EVENT_DAY_BEFORE),
        ),
        (SOON, Q(event__starts_at__gt=now, event__starts_at__lte=now + EVENT_SOON)),
    ):
        key = Concat(Value("event:"), Cast(OuterRef("event_id"), CharField()), Value(suffix))
        due = (
            Rsvp.objects.filter(live, window)
            .annotate(told=_told(key))
            .filter(told=False)
            .select_related("event", "user")
            .order_by("pk")
        )
        for rsvp in due.iterator(chunk_size=500):
            event = rsvp.event
            deliveries += _delivered(
                services.notify(
                    user=rsvp.user,
                    kind=Kind.EVENT_REMINDER,
                    key=f"event:{event.pk}{suffix}",
                    params={
                        "event": event.title,
                        "when": event.starts_at.isoformat(),
                        "address": event.address,
                        "soon": suffix == SOON,
                    },
                    url=rsvp_path(rsvp),
                    enqueue_email=False,
                )
            )
    return deliveries


def event_reminders_retire(*, event_id: int, rescheduled: bool, **_change: Any) -> None:
    """`campaigns.event_altered`, in the host's transaction: the reminders that told a start
    time the event no longer has are set aside (their key, and their e-mail's, take the row's
    number; an e-mail or a push of theirs not sent yet is not sent), so that the reminders
    of the new time fall due like any other. They stay in each person's list; the change
    itself is told by `campaign_events.notify_event_altered`. A change of the end, the title
    or the place reminds nobody again."""
    if not rescheduled:
        return
    event = Event.objects.filter(pk=event_id).only("starts_at").first()
    if event is None:
        return
    keys = [f"event:{event_id}{suffix}" for suffix in (DAY, SOON)]
    stale = Notification.objects.filter(
        user_id__in=Rsvp.objects.filter(event_id=event_id).values("user_id"),
        kind=Kind.EVENT_REMINDER,
        key__in=keys,
    ).exclude(params__when=event.starts_at.isoformat())
    stale_ids = list(stale.values_list("pk", flat=True))
    if not stale_ids:
        return
    set_aside = Concat(F("key"), Value("~"), Cast("pk", CharField()))
    # What still waits in the outbox would give the old time: the e-mail is skipped (its
    # sender then cancels it), the pushes cancelled.
    Delivery.objects.filter(
        pk__in=Notification.objects.filter(pk__in=stale_ids).values("delivery_id"),
        key__in=[services.NOTIFICATION_DELIVERY_PREFIX + key for key in keys],
    ).update(
        key=set_aside,
        status=Case(
            When(status=Delivery.Status.PENDING, then=Value(Delivery.Status.SKIPPED)),
            default=F("status"),
        ),
        updated_at=timezone.now(),
    )
    push.retract(stale_ids, reason="the event moved to another time")
    Notification.objects.filter(pk__in=stale_ids).update(key=set_aside)


def challenge_prompts(day: date) -> list[int]:
    """The day's prompt to each participant of a live challenge who has not checked in."""
    deliveries: list[int] = []
    days = ChallengeDay.objects.filter(
        date=day,
        challenge__starts_on__lte=day,
        challenge__ends_on__gte=day,
        challenge__campaign__status=Campaign.Status.LIVE,
        challenge__campaign__moderation="visible",
    ).select_related("challenge__campaign")
    for challenge_day in days:
        challenge = challenge_day.challenge
        key = f"challenge:{challenge.pk}:{day.isoformat()}"
        due = (
            Participant.objects.filter(challenge=challenge, user__is_active=True)
            .exclude(Exists(CheckIn.objects.filter(participant=OuterRef("pk"), date=day)))
            .exclude(_told(key))
            .select_related("user")
            .order_by("pk")
        )
        for participant in due.iterator(chunk_size=500):
            deliveries += _delivered(
                services.notify(
                    user=participant.user,
                    kind=Kind.CHALLENGE_PROMPT,
                    key=key,
                    # The challenge and the day: what the push's "Done today" button signs.
                    params={
                        "campaign": challenge.campaign.title,
                        "prompt": challenge_day.prompt,
                        "challenge": challenge.pk,
                        "day": day.isoformat(),
                    },
                    # A guest checks in through their signed link (no log-in to use).
                    url=(participant.user.is_guest and guest_check_in_path(participant))
                    or challenge.campaign.get_absolute_url(),
                    enqueue_email=False,
                )
            )
    return deliveries


def fundraisers_near_goal(now: datetime) -> list[int]:
    """Once a live fundraiser has 90 % of its goal, its supporters and followers hear it
    once (per goal: a raised goal nearing again is news again)."""
    deliveries: list[int] = []
    fundraisers = Fundraiser.objects.filter(
        campaign__status=Campaign.Status.LIVE, campaign__moderation="visible"
    ).select_related("campaign")
    for fundraiser in fundraisers:
        totals = fundraiser_totals(fundraiser)
        if not NEAR_GOAL_SHARE * totals["goal"] <= totals["total"] < totals["goal"]:
            continue
        campaign = fundraiser.campaign
        key = f"fundraiser:{fundraiser.pk}:{fundraiser.goal_amount}"
        people = (
            User.objects.filter(is_active=True)
            .filter(
                Q(pk__in=Supporter.objects.filter(campaign=campaign).values("user_id"))
                | Q(pk__in=CampaignFollow.objects.filter(campaign=campaign).values("user_id"))
            )
            .exclude(_told(key, user_field="pk"))
            .order_by("pk")
        )
        for person in people.iterator(chunk_size=500):
            deliveries += _delivered(
                services.notify(
                    user=person,
                    kind=Kind.FUNDRAISER_NEAR_GOAL,
                    key=key,
                    params={"campaign": campaign.title, "percent": totals["percent"]},
                    url=campaign.get_absolute_url(),
                    enqueue_email=False,
                )
            )
    return deliveries


def aid_matches(*, since: datetime) -> list[int]:
    """A new request on the board (written since `since`) tells the authors of the open
    offers it matches (the board's own suggested matches), if they can see it. The caller
    measures `since` from its run's slot, not from the moment the run executes, so that a run
    hours late still sees the requests of its own time (scheduling.aid_window_start)."""
    deliveries: list[int] = []
    requests = AidListing.objects.filter(
        kind=AidListing.Kind.REQUEST,
        status=AidListing.Status.OPEN,
        moderation="visible",
        created_at__gte=since,
    ).select_related("author")
    for request in requests:
        for offer in matches_for(request, related_only=True):
            if not offer.author.is_active:
                continue
            if not listings_visible_to(offer.author).filter(pk=request.pk).exists():
                continue
            deliveries += _delivered(
                services.notify(
                    user=offer.author,
                    kind=Kind.AID_MATCH,
                    key=f"aid-match:{offer.pk}:{request.pk}",
                    params={"offer": offer.title, "request": request.title},
                    url=request.get_absolute_url(),
                    enqueue_email=False,
                )
            )
    return deliveries
