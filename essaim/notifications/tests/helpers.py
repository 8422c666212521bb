"""What the outbox and digest tests share: notifications written at a given time, a digest run."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from essaim.accounts.models import User
from essaim.core import outbox
from essaim.notifications import emails as email_channel
from essaim.notifications import services, tasks
from essaim.notifications.models import (
    Delivery,
    Frequency,
    Notification,
    ScheduledRun,
)

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


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12)


def emails(person: User) -> list[Delivery]:
    """The person's e-mails, without the row that holds what they turned off."""
    return list(
        Delivery.objects.filter(user=person).exclude(key=email_channel.OFF_KEY).order_by("pk")
    )


def daily_digest_of(person, day: date, items=3):
    services.preferences_set(user=person, choices={Kind.RELAY_MILESTONE: Frequency.DAILY})
    told = [milestone(person, key=f"k{n}", count=n + 1) for n in range(items)]
    for notification in told:
        at(noon(day), notification)
    return told


def run_daily_digest(django_capture_on_commit_callbacks, day: date) -> ScheduledRun:
    run = ScheduledRun.objects.create(
        job="daily_digest", slot=day.isoformat(), enqueued_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_scheduled.enqueue(run.pk)
    return run


def send(delivery_ids: list[int]) -> int:
    """What the task queued after a commit does for these e-mails: claim their outbox messages
    that are due, and send them; returns how many left."""
    message_ids = list(
        Delivery.objects.filter(pk__in=delivery_ids, message__isnull=False)
        .order_by("pk")
        .values_list("message_id", flat=True)
    )
    return outbox.send(message_ids)
