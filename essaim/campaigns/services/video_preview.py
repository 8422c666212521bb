"""Reading a campaign video's preview from its platform, in a background task: the oEmbed
answer once (title, player), the picture kept in our own storage, so a visit loads nothing
from the platform until the visitor asks for the player."""

import logging

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from essaim.campaigns.models import Campaign, CampaignVideo
from essaim.campaigns.selectors import campaign_forget
from essaim.core.errors import ValidationError
from essaim.core.images import clean_image, delete_cover, store_cover
from essaim.core.video import (
    INVALID,
    POSTER,
    VideoUnavailable,
    oembed_fetch,
    poster_fetch,
    video_link,
)

logger = logging.getLogger(__name__)


def campaign_touch(campaign: Campaign) -> None:
    """The page's copies (the anonymous content keyed on updated_at, the shared lookup) are
    renewed once the change is committed."""
    Campaign.objects.filter(pk=campaign.pk).update(updated_at=timezone.now())
    transaction.on_commit(lambda: campaign_forget(campaign.slug))


def campaign_video_fetch(*, video_id: int, url: str) -> str:
    """Read the preview of the video `video_id` while it still is the link `url` waiting for
    it; returns the state it left ("" when there was nothing to do: removed, replaced by
    another link, or read already, so a second run changes nothing). What cannot be read
    leaves the video failed, with why, for its hosts; nothing is raised."""
    pending = CampaignVideo.objects.filter(pk=video_id, url=url, state=CampaignVideo.State.PENDING)
    video = pending.select_related("campaign").first()
    if video is None:
        return ""
    poster_name = ""
    try:
        link = video_link(url)  # the platform may have been disallowed since
        found = oembed_fetch(link)
        picture = clean_image(SimpleUploadedFile("poster", poster_fetch(found)))
        if picture is None:
            raise VideoUnavailable(POSTER, "empty picture")
        poster_name = store_cover(
            picture, folder=timezone.now().strftime("videos/%Y/%m"), stem=video.campaign.slug
        )
    except ValidationError as error:
        changes = {"state": CampaignVideo.State.FAILED, "failure": INVALID}
        logger.info("campaign video refused", extra={"video": video_id, "error": error.message})
    except forms.ValidationError:
        changes = {"state": CampaignVideo.State.FAILED, "failure": POSTER}
        logger.info("campaign video picture unreadable", extra={"video": video_id})
    except VideoUnavailable as error:
        changes = {"state": CampaignVideo.State.FAILED, "failure": error.reason}
        logger.info("campaign video unavailable", extra={"video": video_id, "error": str(error)})
    else:
        changes = {
            "state": CampaignVideo.State.READY,
            "failure": "",
            "title": found.title,
            "embed_url": found.embed_url,
            "poster": poster_name,
        }
    with transaction.atomic():
        # Still the same link, still waiting: a host who changed it meanwhile wins.
        updated = pending.update(**changes, fetched_at=timezone.now(), updated_at=timezone.now())
        if updated:
            campaign_touch(video.campaign)
    if not updated and poster_name:
        delete_cover(poster_name)
    return str(changes["state"]) if updated else ""
