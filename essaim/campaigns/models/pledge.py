from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class Pledge(BaseModel):
    """A petition: sign in one click. The goal climbs a ladder as signatures come in."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="pledge"
    )
    text = models.TextField(_("what people sign"), max_length=5000)
    # Goals the organiser sets, ascending ("100,500,1000"); empty: an automatic ladder.
    goal_ladder = models.CharField(_("goal ladder"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"pledge of {self.campaign_id}"


class Signature(BaseModel):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="signatures")
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    # The co-host whose audience brought this signature; NULL when it came directly.
    host = models.ForeignKey(
        "campaigns.CampaignHost", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pledge", "user"], name="unique_signature")]
        indexes = [models.Index(fields=["pledge", "-created_at"], name="signature_recent")]
