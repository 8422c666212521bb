"""Refining an event's point with the instance's online geocoder, from a background task."""

import logging

from essaim.campaigns.models import Event
from essaim.core.geocoding import online_geocoder
from essaim.core.models import Precision

logger = logging.getLogger(__name__)


def event_locate_online(event_id: int) -> bool:
    """Ask the online geocoder for the event's address; keep its answer only when it is the
    address itself. Idempotent: an event already placed at its address is left alone; a
    deleted event, or no online geocoder, does nothing. Network errors propagate (the task
    fails visibly and can run again)."""
    geocoder = online_geocoder()
    event = Event.objects.filter(pk=event_id).first()
    if geocoder is None or event is None or event.place_precision == Precision.ADDRESS:
        return False
    query = " ".join(part for part in (event.address, event.postcode, event.city) if part)
    found = geocoder.geocode(query)
    if found is None or found.precision != Precision.ADDRESS:
        logger.info("event address not found online", extra={"event_id": event_id})
        return False
    # A conditional UPDATE: a host who typed coordinates meanwhile keeps them.
    return bool(
        Event.objects.filter(pk=event_id)
        .exclude(place_precision=Precision.ADDRESS)
        .update(
            latitude=found.latitude,
            longitude=found.longitude,
            postcode=found.postcode or event.postcode,
            place_precision=Precision.ADDRESS,
        )
    )
