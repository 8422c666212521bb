import secrets
import uuid
from datetime import datetime
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel, OutboxMessage


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


class EventType(models.TextChoices):
    """What an endpoint can subscribe to; `PING` is only ever sent on a host's request."""

    SIGNATURE = "signature.created", _("New signature")
    RSVP = "rsvp.created", _("RSVP to an event")
    DONATION = "donation.succeeded", _("Gift received")
    MILESTONE = "milestone.reached", _("Milestone reached")
    PING = "ping", _("Test ping")


SUBSCRIBABLE = [choice for choice in EventType if choice != EventType.PING]


class Endpoint(BaseModel):
    """An HTTPS address a campaign's hosts registered to hear of its events, signed with
    `secret` (generated here, shown to hosts only). After a rotation the previous secret also
    signs, until `previous_secret_expires_at`, so the receiver can switch without a gap."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(max_length=80, default=new_secret)
    previous_secret = models.CharField(max_length=80, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Event types (EventType values) this endpoint receives.
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Failed attempts since the last success, and when the first of them failed: the
    # endpoint is turned off only when both say the failure is sustained (services/sending.py).
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints = [
            # Registering the same address twice (a double click) is one endpoint.
            models.UniqueConstraint(fields=["campaign", "url"], name="unique_webhook_endpoint")
        ]
        indexes = [models.Index(fields=["campaign", "active"], name="webhook_endpoint_active")]

    def __str__(self) -> str:
        return self.url

    @property
    def event_list(self) -> list[str]:
        return [str(event) for event in self.events] if isinstance(self.events, list) else []


class Delivery(BaseModel):
    """One event for one endpoint, as its hosts see it in the endpoint's delivery log: what was
    sent and the receiver's last answer. Sending it is the outbox's (essaim.core.outbox, the
    `webhook` channel): its message holds the attempts, the backoff and the state, from which
    `status` is read.

    pending → sending → succeeded | failed (→ sending again when due) | gave_up; `held` while
    the endpoint is off, pending again when it is turned back on."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Gave up")
        HELD = "held", _("Held while the webhook is off")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # Sent as the Essaim-Delivery header: the same on every retry and redelivery, so a
    # receiver can drop what it has already processed.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    # Stable for the event ("signature.created:42"): one delivery per endpoint and event.
    event_id = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The outbox message that sends it (null only if an administrator deleted it).
    message = models.OneToOneField(
        "core.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="unique_webhook_delivery")
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} to {self.endpoint_id}"

    # Read from the outbox message: select_related("message") where many are listed.

    @property
    def status(self) -> str:
        return delivery_status(self.message)

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def attempts(self) -> int:
        return self.message.attempts if self.message else 0

    @property
    def next_attempt_at(self) -> datetime | None:
        if self.status == self.Status.FAILED and self.message is not None:
            return self.message.due_at
        return None


def delivery_status(message: OutboxMessage | None) -> str:
    """A delivery's status in the hosts' words, from its outbox message's state."""
    State, Status = OutboxMessage.State, Delivery.Status
    if message is None:
        return Status.GAVE_UP
    if message.state == State.PENDING:
        return Status.FAILED if message.attempts else Status.PENDING
    return {
        State.SENDING: Status.SENDING,
        State.SENT: Status.SUCCEEDED,
        State.HELD: Status.HELD,
        State.DEAD: Status.GAVE_UP,
        State.CANCELLED: Status.GAVE_UP,
    }[State(message.state)]
