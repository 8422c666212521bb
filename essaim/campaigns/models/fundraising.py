from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class Fundraiser(BaseModel):
    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="fundraiser"
    )
    # Amounts are in minor units (cents) of `currency`.
    goal_amount = models.PositiveBigIntegerField(_("goal"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        verbose_name = _("fundraiser")
        verbose_name_plural = _("fundraisers")

    def __str__(self) -> str:
        return f"fundraiser of {self.campaign_id}"


class Donation(BaseModel):
    """A gift through a payment provider. The idempotency key makes a repeated submission
    (double click, retry after a timeout) the same donation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Received")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")

    fundraiser = models.ForeignKey(Fundraiser, on_delete=models.CASCADE, related_name="donations")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="donations"
    )
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    anonymous = models.BooleanField(default=False)
    donor_name = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=20)
    provider_reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.UUIDField(unique=True)
    host = models.ForeignKey(
        "campaigns.CampaignHost", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The share link code that brought the donor: the gift counts as their action once the
    # provider confirms it, which may come later, from its webhook.
    via = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="donation_positive")]
        indexes = [models.Index(fields=["fundraiser", "status", "-created_at"], name="ledger")]


class InKindPledge(BaseModel):
    """Goods a partner promises; counted toward the goal at declared value once delivered."""

    class Status(models.TextChoices):
        PROMISED = "promised", _("Promised")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    fundraiser = models.ForeignKey(Fundraiser, on_delete=models.CASCADE, related_name="in_kind")
    partner = models.CharField(_("partner"), max_length=120)
    item = models.CharField(_("item"), max_length=120)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=20)
    declared_value = models.PositiveBigIntegerField(_("declared value"))  # minor units
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROMISED)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The supporter who offered it themselves (`in_kind_offer`), not a partner a host named:
    # their personal data, exported and anonymised with them.
    offered_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="in_kind_offers",
    )

    class Meta:
        verbose_name = _("in-kind pledge")
        verbose_name_plural = _("in-kind pledges")
