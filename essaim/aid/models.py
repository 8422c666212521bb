from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel, Moderated, Placed


class AidListing(BaseModel, Moderated, Placed):
    """An offer or a request on the mutual-aid board, in a community or instance-wide. Its
    point is always its commune's (the services never store an address): someone's home must
    not show on a map."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer")
        REQUEST = "request", _("Request")

    class Category(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERVICE = "service", _("Service")
        HOUSING = "housing", _("Housing")
        JOB = "job", _("Job")
        INTERNSHIP = "internship", _("Internship")
        ADVICE = "advice", _("Advice")
        INFORMATION = "information", _("Information")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PROMISED = "promised", _("Promised")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("details"), max_length=5000, blank=True)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aid_listings",
        verbose_name=_("community"),
    )
    # PROTECT: a deleted account is anonymised, its listings stay.
    author = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="aid_listings"
    )
    place = models.CharField(_("place"), max_length=120, blank=True)
    expires_at = models.DateTimeField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Lower-case, accent-free title, details and place, kept by the services: what the
    # SQLite search matches words against (PostgreSQL uses its full-text index instead).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("aid listing")
        verbose_name_plural = _("aid listings")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="aid_board"),
            models.Index(fields=["community", "status"], name="aid_community_status"),
            models.Index(fields=["status", "expires_at"], name="aid_expiry"),
            models.Index(fields=["author", "-created_at"], name="aid_author"),
            models.Index(fields=["latitude", "longitude"], name="aid_point"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("aid:detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.OPEN, self.Status.PROMISED}
