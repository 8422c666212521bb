from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel
from essaim.core.video import INVALID, NOT_FOUND, POSTER, TITLE_MAX_LENGTH, UNREACHABLE

URL_MAX_LENGTH = 500


class CampaignVideo(BaseModel):
    """A campaign's video on an allowed platform (essaim.core.video). Its title, picture and
    player's address are fetched once by a task (campaigns.tasks.fetch_campaign_video); the
    page shows the picture and frames the player only when a visitor clicks."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being fetched")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be read")

    class Failure(models.TextChoices):
        UNREACHABLE = UNREACHABLE, _("The platform did not answer.")
        NOT_FOUND = NOT_FOUND, _("The platform has no public video at this address.")
        INVALID = INVALID, _("The platform's answer is not a video we can show.")
        POSTER = POSTER, _("The video's picture could not be read.")

    # One per campaign: a new link replaces the old one.
    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="video"
    )
    url = models.URLField(_("video link"), max_length=URL_MAX_LENGTH)
    platform = models.CharField(_("platform"), max_length=100)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    failure = models.CharField(_("failure"), max_length=20, choices=Failure.choices, blank=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    embed_url = models.URLField(_("player address"), max_length=URL_MAX_LENGTH, blank=True)
    poster = models.ImageField(_("picture"), upload_to="videos/%Y/%m/", blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign video")
        verbose_name_plural = _("campaign videos")

    def __str__(self) -> str:
        return self.title or self.url
