"""Events: proposals, RSVPs with a waiting list, attendance and results.

Every change to who is coming goes through `_lock_event`: under that row lock, the count of
confirmed places and the waiting list are read and written by one transaction at a time, so
capacity is never exceeded and a freed place goes to exactly one person, the first waiting.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.campaigns import permissions
from essaim.campaigns.attribution import credited_host_id
from essaim.campaigns.events import (
    ACTED,
    EVENT_ALTERED,
    EVENT_CHANGED,
    RSVP_ANSWERED,
    RSVP_PROMOTED,
)
from essaim.campaigns.models import Campaign, Event, EventResult, Rsvp
from essaim.campaigns.services.campaigns import require_host
from essaim.campaigns.tasks import locate_event
from essaim.core.dates import check_plausible_date
from essaim.core.errors import NotFound, ValidationError
from essaim.core.geocoding import online_geocoder, place_fields
from essaim.core.images import cover_replace
from essaim.core.models import Precision

ATTENDANCE_SALT = "essaim.campaigns.attendance"


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _check_times(
    *, starts_at: datetime, ends_at: datetime, was_starting: datetime | None = None
) -> None:
    """An event's times, at creation and at each edit; an edit may keep a start already past
    (`was_starting`: the start it had)."""
    check_plausible_date(starts_at)
    check_plausible_date(ends_at)
    if ends_at <= starts_at:
        raise ValidationError(_("An event must end after it starts."))
    if starts_at != was_starting and starts_at <= timezone.now():
        raise ValidationError(_("An event must start in the future."))


def _place(
    *, address: str, postcode: str, city: str, latitude: float | None, longitude: float | None
) -> dict[str, Any]:
    """The place fields of an event typed as an address, a postcode and a commune: the point
    given, else the commune's (offline geocoding)."""
    place = place_fields(
        " ".join(part.strip() for part in (address, postcode, city) if part.strip()),
        latitude=latitude,
        longitude=longitude,
    )
    if postcode.strip():
        place["postcode"] = postcode.strip()
    return place


def event_create(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    address: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
    city: str = "",
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    cover: UploadedFile | None = None,
    cover_alt: str = "",
) -> Event:
    """Hosts create approved events; anyone else proposes one that hosts then decide on.
    The point is the one given, else the commune's (offline); an online geocoder, when the
    instance has one, refines it to the address after commit, in a background task."""
    require_good_standing(actor)
    if not permissions.can_view(actor, campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(campaign):
        raise ValidationError(_("This campaign is not open for action."))
    if not title.strip() or not address.strip():
        raise ValidationError(_("An event needs a title and an address."))
    _check_times(starts_at=starts_at, ends_at=ends_at)
    if capacity < 1:
        raise ValidationError(_("An event needs at least one place."))
    status = (
        Event.Status.APPROVED if permissions.is_host(actor, campaign) else Event.Status.PROPOSED
    )
    place = _place(
        address=address, postcode=postcode, city=city, latitude=latitude, longitude=longitude
    )
    with transaction.atomic():
        event = Event(
            campaign=campaign,
            title=title.strip(),
            description=description.strip(),
            address=address.strip(),
            city=city.strip(),
            **place,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            status=status,
            proposed_by=actor,
            cover_alt=cover_alt.strip(),
        )
        if cover is not None:
            cover_replace(event, cover, stem=title)
        event.save()
        if event.status == Event.Status.APPROVED:
            EVENT_CHANGED.publish(event_id=event.pk, change="published")
    if place["place_precision"] != Precision.ADDRESS and online_geocoder() is not None:
        transaction.on_commit(lambda: locate_event.enqueue(event.pk))
    return event


def event_decide(*, actor: User, event: Event, approve: bool) -> Event:
    require_host(actor, event.campaign)
    if event.status not in (Event.Status.PROPOSED, Event.Status.APPROVED, Event.Status.DECLINED):
        raise ValidationError(_("This event can no longer be decided on."))
    was_approved = event.status == Event.Status.APPROVED
    event.status = Event.Status.APPROVED if approve else Event.Status.DECLINED
    with transaction.atomic():
        event.save(update_fields=["status", "updated_at"])
        if approve and not was_approved:
            EVENT_CHANGED.publish(event_id=event.pk, change="published")
        elif was_approved and not approve:
            EVENT_CHANGED.publish(event_id=event.pk, change="withdrawn")
    return event


def _set_capacity(locked: Event, capacity: int) -> None:
    """The capacity rule every change of places shares (caller holds the event lock): never
    below the people already confirmed; more places go to the waiting list's head."""
    confirmed = locked.rsvps.filter(status=Rsvp.Status.CONFIRMED).count()
    if capacity < max(confirmed, 1):
        raise ValidationError(
            ngettext(
                "%(count)s person is already coming: capacity cannot be lower.",
                "%(count)s people are already coming: capacity cannot be lower.",
                confirmed,
            )
            % {"count": confirmed}
        )
    locked.capacity = capacity
    locked.save(update_fields=["capacity", "updated_at"])
    _promote(locked)


def _announce_change(event: Event) -> None:
    """A published event that changed is told to whoever follows it (federation)."""
    if event.status in (Event.Status.APPROVED, Event.Status.CANCELLED):
        EVENT_CHANGED.publish(event_id=event.pk, change="updated")


@transaction.atomic
def event_set_capacity(*, actor: User, event: Event, capacity: int) -> Event:
    """Raising capacity promotes people from the waiting list; it may not drop below the
    people already confirmed."""
    require_host(actor, event.campaign)
    locked = _lock_event(event)
    if capacity != locked.capacity:
        _set_capacity(locked, capacity)
        _announce_change(locked)
    return locked


def event_update(
    *,
    actor: User,
    event: Event,
    title: str,
    address: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
    city: str = "",
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    cover: UploadedFile | None = None,
    cover_alt: str = "",
) -> Event:
    """A host's edit of an event: its title, description, place, times and places, checked
    as at creation (a time already past may stay as it was). Under the event lock (places
    are counted there). A published event that changed is announced once ("updated"),
    and those coming are told when its times or place changed (EVENT_ALTERED); submitting the
    form unchanged announces nothing."""
    require_host(actor, event.campaign)
    if not title.strip() or not address.strip():
        raise ValidationError(_("An event needs a title and an address."))
    with transaction.atomic():
        locked = _lock_event(event)
        if locked.status == Event.Status.CANCELLED:
            raise ValidationError(_("A cancelled event can no longer be changed."))
        _check_times(starts_at=starts_at, ends_at=ends_at, was_starting=locked.starts_at)
        values = {
            "title": title.strip(),
            "description": description.strip(),
            "address": address.strip(),
            "city": city.strip(),
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        moved = bool(
            "address" in changed
            or "city" in changed
            or (postcode.strip() and postcode.strip() != locked.postcode)
            or (latitude is not None and latitude != locked.latitude)
            or (longitude is not None and longitude != locked.longitude)
        )
        for name in changed:
            setattr(locked, name, values[name])
        fields = [*changed]
        if moved:
            place = _place(
                address=address,
                postcode=postcode,
                city=city,
                latitude=latitude,
                longitude=longitude,
            )
            for name, value in place.items():
                setattr(locked, name, value)
            fields += list(place)
        if cover is not None:
            cover_replace(locked, cover, stem=locked.title)
            fields += ["cover"]
        if cover_alt.strip() != locked.cover_alt:
            locked.cover_alt = cover_alt.strip()
            fields += ["cover_alt"]
        if fields:
            locked.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        if capacity != locked.capacity:
            _set_capacity(locked, capacity)
            changed.append("capacity")
        if changed or moved:
            _announce_change(locked)
        rescheduled = "starts_at" in changed or "ends_at" in changed
        if locked.status == Event.Status.APPROVED and (rescheduled or moved):
            # Those coming must hear of it (notifications), whoever follows or not.
            EVENT_ALTERED.publish(
                event_id=locked.pk, cancelled=False, rescheduled=rescheduled, moved=moved
            )
    if moved and locked.place_precision != Precision.ADDRESS and online_geocoder() is not None:
        transaction.on_commit(lambda: locate_event.enqueue(locked.pk))
    return locked


@transaction.atomic
def event_cancel(*, actor: User, event: Event) -> Event:
    """A host calls a published event off: it stays on the page, marked cancelled, answers
    are closed, and followers elsewhere are told (an Update with the cancelled status, as
    Mobilizon sends), and so is everyone who answered (EVENT_ALTERED). Cancelling twice
    changes nothing."""
    require_host(actor, event.campaign)
    locked = _lock_event(event)
    if locked.status == Event.Status.CANCELLED:
        return locked
    if locked.status != Event.Status.APPROVED:
        raise ValidationError(_("Only a published event can be cancelled."))
    locked.status = Event.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    _announce_change(locked)
    EVENT_ALTERED.publish(event_id=locked.pk, cancelled=True, rescheduled=False, moved=False)
    return locked


def _promote(event: Event) -> list[Rsvp]:
    """Fill free places from the head of the waiting list. Caller holds the event lock."""
    free = event.capacity - event.rsvps.filter(status=Rsvp.Status.CONFIRMED).count()
    if free <= 0:
        return []
    promoted = list(
        event.rsvps.filter(status=Rsvp.Status.WAITLISTED)
        .select_related("user")
        .order_by("position")[:free]
    )
    for rsvp in promoted:
        rsvp.status = Rsvp.Status.CONFIRMED
        rsvp.save(update_fields=["status", "updated_at"])
        RSVP_PROMOTED.publish(rsvp_id=rsvp.pk, user_id=rsvp.user_id, position=rsvp.position)
    return promoted


def rsvp_require_open(user: User, event: Event) -> None:
    """Whether `user` may answer `event` now (a guest's answer is checked by it when given,
    before its confirmation calls `rsvp_create`)."""
    require_good_standing(user)
    if not permissions.can_view(user, event.campaign) or event.status != Event.Status.APPROVED:
        raise NotFound(_("This event does not exist."))
    if not permissions.can_act(event.campaign):
        raise ValidationError(_("This campaign is not open for action."))
    if event.ends_at <= timezone.now():
        raise ValidationError(_("This event is over."))


@transaction.atomic
def rsvp_create(*, user: User, event: Event, via: str = "") -> Rsvp:
    """Come, or wait for a place. Repeating it keeps one's place; after a cancellation it
    queues again at the end. `via` is the share link code the person came through."""
    rsvp_require_open(user, event)
    locked = _lock_event(event)
    existing = Rsvp.objects.filter(event=locked, user=user).first()
    if existing is not None and existing.status != Rsvp.Status.CANCELLED:
        return existing
    confirmed = locked.rsvps.filter(status=Rsvp.Status.CONFIRMED).count()
    status = Rsvp.Status.CONFIRMED if confirmed < locked.capacity else Rsvp.Status.WAITLISTED
    position = (locked.rsvps.aggregate(last=Max("position"))["last"] or 0) + 1
    if existing is not None:
        existing.status, existing.position = status, position
        existing.save(update_fields=["status", "position", "updated_at"])
        RSVP_ANSWERED.publish(rsvp_id=existing.pk, campaign_id=locked.campaign_id)
        return existing
    ACTED.publish(
        campaign_id=locked.campaign_id,
        user_id=user.pk,
        action="rsvp",
        via=via,
        at=timezone.now().isoformat(),
    )
    rsvp = Rsvp.objects.create(
        event=locked,
        user=user,
        status=status,
        position=position,
        host_id=credited_host_id(campaign_id=locked.campaign_id, via=via),
    )
    RSVP_ANSWERED.publish(rsvp_id=rsvp.pk, campaign_id=locked.campaign_id)
    return rsvp


@transaction.atomic
def rsvp_cancel(*, user: User, event: Event, position: int | None = None) -> list[Rsvp]:
    """Give one's place back; the first waiting person gets it. Returns who was promoted.
    `position` cancels only the answer queued at that position: a button sent about an
    earlier answer (the push of a freed place) does nothing once the person answered again."""
    locked = _lock_event(event)
    answers = Rsvp.objects.filter(event=locked, user=user)
    if position is not None:
        answers = answers.filter(position=position)
    rsvp = answers.exclude(status=Rsvp.Status.CANCELLED).first()
    if rsvp is None:
        return []
    rsvp.status = Rsvp.Status.CANCELLED
    rsvp.save(update_fields=["status", "updated_at"])
    return _promote(locked)


def attendance_token(rsvp: Rsvp) -> str:
    """What the attendee's QR code holds: signed, so it cannot be forged for someone else."""
    return signing.dumps({"rsvp": rsvp.pk, "event": rsvp.event_id}, salt=ATTENDANCE_SALT)


def attendance_check_in(
    *, actor: User, event: Event, token: str | None = None, rsvp: Rsvp | None = None
) -> Rsvp:
    """A host marks someone present, from their QR code (`token`) or from the list."""
    require_host(actor, event.campaign)
    if token is not None:
        try:
            data = signing.loads(token, salt=ATTENDANCE_SALT)
        except signing.BadSignature as error:
            raise ValidationError(_("This code is not valid.")) from error
        if data.get("event") != event.pk:
            raise ValidationError(_("This code is for another event."))
        rsvp = Rsvp.objects.filter(pk=data.get("rsvp"), event=event).first()
    if rsvp is None or rsvp.event_id != event.pk:
        raise NotFound(_("This person is not registered for this event."))
    if rsvp.status != Rsvp.Status.CONFIRMED:
        raise ValidationError(_("This person has no confirmed place."))
    if rsvp.attended_at is None:
        Rsvp.objects.filter(pk=rsvp.pk, attended_at__isnull=True).update(attended_at=timezone.now())
        rsvp.refresh_from_db()
    return rsvp


def event_report(
    *, actor: User, event: Event, measure: str, unit: str, quantity: Decimal
) -> EventResult:
    """Results once the event has started; reporting the same measure again corrects it."""
    require_host(actor, event.campaign)
    if event.starts_at > timezone.now():
        raise ValidationError(_("Results can be reported once the event has taken place."))
    if quantity < 0:
        raise ValidationError(_("A quantity cannot be negative."))
    if not measure.strip() or not unit.strip():
        raise ValidationError(_("Say what was measured and in which unit."))
    result, _created = EventResult.objects.update_or_create(
        event=event,
        measure=measure.strip(),
        unit=unit.strip(),
        defaults={"quantity": quantity},
    )
    return result
