from django_tasks import task

from essaim.campaigns.services.places import event_locate_online


@task()
def locate_event(event_id: int) -> bool:
    """Enqueued after an event is created, when the instance has an online geocoder."""
    return event_locate_online(event_id)
