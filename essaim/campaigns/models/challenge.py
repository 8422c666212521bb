from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class Challenge(BaseModel):
    """A fixed window with a prompt for each day; one check-in per person and day."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="challenge"
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="challenge_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"challenge of {self.campaign_id}"


class ChallengeDay(BaseModel):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    prompt = models.CharField(_("what to do"), max_length=280)
    tip = models.CharField(_("tip"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("challenge day")
        verbose_name_plural = _("challenge days")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "date"], name="unique_challenge_day")
        ]
        ordering = ["date"]


class Participant(BaseModel):
    """One person in a challenge. As a signature: the request that joins writes only this
    row; the settle (`services.settle`) records the supporter, credits the co-host and
    reaches the milestones, and marks it `settled_at`."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="challenges")
    # The co-host whose audience brought this person; NULL when they came directly.
    host = models.ForeignKey(
        "campaigns.CampaignHost", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The share link code the person came through, as it came: the settle resolves it.
    via = models.CharField(max_length=16, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("challenge participant")
        verbose_name_plural = _("challenge participants")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="unique_participant")
        ]
        indexes = [
            # The settle's queue (see Signature).
            models.Index(
                fields=["id"], condition=Q(settled_at__isnull=True), name="participant_unsettled"
            ),
        ]


class CheckIn(BaseModel):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="check_ins")
    date = models.DateField()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["participant", "date"], name="unique_check_in")
        ]
        indexes = [models.Index(fields=["participant", "-date"], name="check_in_streak")]
