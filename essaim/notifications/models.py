from datetime import time
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class Notification(BaseModel):
    """Something a person should know, shown in-app. The text is rendered when it is read, in
    the reader's language, from `kind` and `params` (so changing one's language changes past
    notifications too)."""

    class Kind(models.TextChoices):
        RELAY_MILESTONE = "relay_milestone", _("Your share link worked")
        MODERATION_DECISION = "moderation_decision", _("A moderation decision about you")
        REPORT_OUTCOME = "report_outcome", _("The outcome of your report")
        APPEAL_DECIDED = "appeal_decided", _("Your appeal was decided")
        WEBHOOK_DISABLED = "webhook_disabled", _("A webhook was turned off")
        EVENT_REMINDER = "event_reminder", _("Reminders of the events you are coming to")
        EVENT_PROMOTED = "event_promoted", _("A place freed up for you at an event")
        EVENT_ALTERED = "event_altered", _("An event you answered is called off or moved")
        CHALLENGE_PROMPT = "challenge_prompt", _("Today's challenge, when you have not checked in")
        FUNDRAISER_NEAR_GOAL = "fundraiser_near_goal", _("A fundraiser you support nears its goal")
        AID_MATCH = "aid_match", _("A request on the aid board matches your offer")
        CAMPAIGN_MILESTONE = "campaign_milestone", _("A campaign you host reached a milestone")
        HOST_INVITATION = "host_invitation", _("An invitation to co-host a campaign")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # Once per person and key: telling someone twice about the same fact is a bug, and a
    # retried task or a repeated request must not do it.
    key = models.CharField(max_length=120)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The day (in the person's time zone) it is pushed on, if it is: what the daily cap of
    # pushes counts (essaim.notifications.push).
    push_day = models.DateField(null=True, blank=True)
    # The e-mail that carries it (alone, or in a digest): set once, so a notification is
    # never in two e-mails. Null means "owed an e-mail": a digest planning takes it, whenever
    # the person changed their frequency since. What "off" stops is bound to the person's
    # `off` row (emails.OFF_KEY, never sent), so turning e-mails back on sends none of it.
    delivery = models.ForeignKey(
        "notifications.Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_notification_key")
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # What a digest collects: a period's notifications no e-mail carries yet.
            models.Index(
                fields=["created_at"],
                condition=models.Q(delivery__isnull=True),
                name="notification_not_emailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"

    @property
    def params_dict(self) -> dict[str, Any]:
        return self.params if isinstance(self.params, dict) else {}


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


class Preference(BaseModel):
    """How one person wants e-mails of one kind. No row: the kind's default (selectors)."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Notification.Kind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    # Pushed to the person's devices too: off until they ask (no row is off as well).
    push = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.frequency} for {self.user_id}"


class Delivery(BaseModel):
    """One e-mail: a single notification or a period's digest, and the notifications it
    carries (`Notification.delivery`).

    Written in the same transaction as what it carries, with the outbox message that sends it
    (essaim.core.outbox; its attempts, backoff and failures are the message's). `status` is
    the e-mail's own fact: pending until it leaves, then sent, or skipped when nothing was
    left to send (essaim.notifications.emails)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Nothing to send")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="email_deliveries"
    )
    # "notification:<notification key>", "<daily|weekly>:<first day of the period>", or
    # "off" (what the person stopped, never sent): once per person and key, so a rerun of the
    # planning finds the e-mail it already wrote.
    key = models.CharField(max_length=140)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The outbox message that sends it; none for the `off` row.
    message = models.OneToOneField(
        "core.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_delivery_key")]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} to {self.user_id} ({self.status})"


class ScheduledRun(BaseModel):
    """One run of periodic work (a digest period, an hour of reminders): `notifications_tick`
    creates it once per (job, slot) and queues it; `finished_at` says it completed, so the tick
    queues again a run whose task was lost."""

    job = models.CharField(max_length=40)
    slot = models.CharField(max_length=40)
    enqueued_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="unique_scheduled_run")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot}"


class PushSubscription(BaseModel):
    """One device (one browser profile) that receives push notifications: what its browser
    gave when the person subscribed. The keys encrypt the payload for that browser alone."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # The push service's address for this device; a device subscribes once (unique), and
    # subscribing again from another account moves it there.
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=120)
    auth = models.CharField(max_length=40)
    # A label the person recognises in their device list ("Firefox on Android").
    device = models.CharField(max_length=80, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        constraints = [models.UniqueConstraint(fields=["endpoint"], name="unique_push_endpoint")]

    def __str__(self) -> str:
        return f"push device {self.pk} of {self.user_id}"


def default_quiet_from() -> time:
    return time(21, 0)


def default_quiet_until() -> time:
    return time(8, 0)


class PushSchedule(BaseModel):
    """When one person accepts pushes: their time zone (their browser's, told when they
    subscribe) and their quiet hours, when pushes wait for the morning."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="push_schedule"
    )
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    quiet_from = models.TimeField(_("quiet from"), default=default_quiet_from)
    quiet_until = models.TimeField(_("quiet until"), default=default_quiet_until)

    class Meta:
        verbose_name = _("push schedule")
        verbose_name_plural = _("push schedules")

    def __str__(self) -> str:
        return f"push schedule of {self.user_id}"
