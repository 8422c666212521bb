"""What a delivery says about each event: public facts only (a signer's name only if they
chose to show it, a donor's only if the gift is not anonymous; never an e-mail address).

Built from models, and the campaigns' selectors for a count (the tally's, as the pages show
it)."""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from essaim.campaigns.models import Campaign, Donation, Milestone, Rsvp, Signature
from essaim.campaigns.selectors import signature_count
from essaim.core.site import absolute_url
from essaim.webhooks.models import EventType


@dataclass(frozen=True)
class Event:
    type: str
    id: str
    campaign_id: int
    payload: dict[str, Any]


def _campaign(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "url": absolute_url(campaign.get_absolute_url()),
    }


def _envelope(
    event_type: str, event_id: str, campaign: Campaign, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "campaign": _campaign(campaign),
        "data": data,
    }


def signature_event(signature_id: int) -> Event | None:
    signature = (
        Signature.objects.select_related("pledge__campaign", "user").filter(pk=signature_id).first()
    )
    # Withdrawn before the task ran, or set aside as suspicious (`campaigns.services.
    # invalidation`, which may settle a row in the transaction that invalidates it).
    if signature is None or signature.invalidation_id is not None:
        return None
    campaign = signature.pledge.campaign
    event_id = f"{EventType.SIGNATURE}:{signature.pk}"
    data = {
        "signature_id": signature.pk,
        "signed_at": signature.created_at.isoformat(),
        "name": signature.user.display_name if signature.show_name else None,
        # The count the pages show: what the tally holds, not rows (set-aside ones are rows).
        "signatures": signature_count(signature.pledge),
    }
    return Event(
        EventType.SIGNATURE,
        event_id,
        campaign.pk,
        _envelope(EventType.SIGNATURE, event_id, campaign, data),
    )


def rsvp_event(rsvp_id: int) -> Event | None:
    rsvp = Rsvp.objects.select_related("event__campaign").filter(pk=rsvp_id).first()
    if rsvp is None:
        return None
    campaign = rsvp.event.campaign
    # The position changes each time someone comes back after cancelling: each RSVP is an event.
    event_id = f"{EventType.RSVP}:{rsvp.pk}:{rsvp.position}"
    data = {
        "rsvp_id": rsvp.pk,
        "status": rsvp.status,
        "event": {
            "id": rsvp.event.pk,
            "title": rsvp.event.title,
            "city": rsvp.event.city,
            "starts_at": rsvp.event.starts_at.isoformat(),
            "capacity": rsvp.event.capacity,
        },
        "confirmed": Rsvp.objects.filter(
            event_id=rsvp.event_id, status=Rsvp.Status.CONFIRMED
        ).count(),
    }
    return Event(
        EventType.RSVP, event_id, campaign.pk, _envelope(EventType.RSVP, event_id, campaign, data)
    )


def donation_event(donation_id: int) -> Event | None:
    donation = (
        Donation.objects.select_related("fundraiser__campaign")
        .filter(pk=donation_id, status=Donation.Status.SUCCEEDED)
        .first()
    )
    if donation is None:
        return None
    campaign = donation.fundraiser.campaign
    event_id = f"{EventType.DONATION}:{donation.pk}"
    data = {
        "donation_id": donation.pk,
        "amount": donation.amount,
        "currency": donation.currency,
        "donor_name": None if donation.anonymous else (donation.donor_name or None),
    }
    return Event(
        EventType.DONATION,
        event_id,
        campaign.pk,
        _envelope(EventType.DONATION, event_id, campaign, data),
    )


def milestone_event(milestone_id: int) -> Event | None:
    milestone = Milestone.objects.select_related("campaign").filter(pk=milestone_id).first()
    if milestone is None:
        return None
    campaign = milestone.campaign
    event_id = f"{EventType.MILESTONE}:{milestone.pk}"
    data = {"kind": milestone.kind, "threshold": milestone.threshold}
    return Event(
        EventType.MILESTONE,
        event_id,
        campaign.pk,
        _envelope(EventType.MILESTONE, event_id, campaign, data),
    )


BUILDERS = {
    EventType.SIGNATURE.value: signature_event,
    EventType.RSVP.value: rsvp_event,
    EventType.DONATION.value: donation_event,
    EventType.MILESTONE.value: milestone_event,
}


def event_of(event_type: str, object_id: int) -> Event | None:
    builder = BUILDERS.get(event_type)
    return builder(object_id) if builder is not None else None


def ping_event(campaign: Campaign, key: str) -> Event:
    event_id = f"{EventType.PING}:{key}"
    data = {"message": "Hello from Essaim: this endpoint is reachable."}
    return Event(
        EventType.PING, event_id, campaign.pk, _envelope(EventType.PING, event_id, campaign, data)
    )
