from django_tasks import task

from essaim.campaigns.services.places import event_locate_online
from essaim.campaigns.services.video_preview import campaign_video_fetch


@task()
def locate_event(event_id: int) -> bool:
    """Enqueued after an event is created, when the instance has an online geocoder."""
    return event_locate_online(event_id)


@task()
def fetch_campaign_video(video_id: int, url: str) -> str:
    """Enqueued when a campaign's hosts give a video link: its preview, read once."""
    return campaign_video_fetch(video_id=video_id, url=url)
