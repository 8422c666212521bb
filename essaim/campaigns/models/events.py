from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel, Placed


class Event(BaseModel, Placed):
    """A gathering under a campaign. Volunteers may propose one; hosts approve or decline."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    address = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=80, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    cover = models.ImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True)
    cover_alt = models.CharField(_("cover description"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    proposed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="events_proposed"
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar[list[str]] = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_has_places"),
        ]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="event_point"),
            models.Index(fields=["starts_at"], name="event_starts_at"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:event", kwargs={"slug": self.campaign.slug, "pk": self.pk})


class Rsvp(BaseModel):
    """One per person and event. Confirmed within capacity, else waitlisted by arrival order
    (`position`); a freed place goes to the first waitlisted, under the event's lock."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Coming")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=10, choices=Status.choices)
    position = models.PositiveIntegerField()  # arrival order within the event
    attended_at = models.DateTimeField(null=True, blank=True)
    host = models.ForeignKey(
        "campaigns.CampaignHost", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="unique_rsvp"),
            models.UniqueConstraint(fields=["event", "position"], name="unique_rsvp_position"),
        ]
        indexes = [models.Index(fields=["event", "status", "position"], name="rsvp_queue")]


class EventResult(BaseModel):
    """What an event achieved: a quantity of a measure (kg of litter, bags, participants)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="results")
    measure = models.CharField(_("measure"), max_length=80)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("event result")
        verbose_name_plural = _("event results")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "measure", "unit"], name="unique_event_result"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="result_not_negative"),
        ]
