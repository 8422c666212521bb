"""A campaign's video: the hosts give a link, a task reads its preview
(services.video_preview), the page shows it."""

from django.db import transaction

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignVideo
from essaim.campaigns.services.campaigns import require_host
from essaim.campaigns.services.video_preview import campaign_touch
from essaim.campaigns.tasks import fetch_campaign_video
from essaim.core.images import delete_cover
from essaim.core.video import video_link


def campaign_video_set(*, actor: User, campaign: Campaign, url: str) -> CampaignVideo | None:
    """Give the campaign the video at `url`, an allowed platform's (else ValidationError);
    an empty `url` removes the video. Its preview is fetched by a task once committed. The
    same link again changes nothing, unless it could not be read (then it is tried again).
    The campaign's video row is locked while it changes."""
    require_host(actor, campaign)
    if not url.strip():
        campaign_video_remove(actor=actor, campaign=campaign)
        return None
    link = video_link(url)
    with transaction.atomic():
        video, created = CampaignVideo.objects.select_for_update().get_or_create(
            campaign=campaign, defaults={"url": link.url, "platform": link.platform.name}
        )
        if not created:
            if video.url == link.url and video.state != CampaignVideo.State.FAILED:
                return video
            old_poster = video.poster.name
            video.url, video.platform = link.url, link.platform.name
            video.state, video.failure = CampaignVideo.State.PENDING, ""
            video.title, video.embed_url, video.poster, video.fetched_at = "", "", "", None
            video.save()
            if old_poster:
                transaction.on_commit(lambda: delete_cover(old_poster))
        campaign_touch(campaign)
        video_id, video_url = video.pk, video.url
        transaction.on_commit(lambda: fetch_campaign_video.enqueue(video_id, video_url))
    return video


def campaign_video_remove(*, actor: User, campaign: Campaign) -> None:
    require_host(actor, campaign)
    with transaction.atomic():
        video = CampaignVideo.objects.select_for_update().filter(campaign=campaign).first()
        if video is None:
            return
        poster = video.poster.name
        video.delete()
        if poster:
            transaction.on_commit(lambda: delete_cover(poster))
        campaign_touch(campaign)
