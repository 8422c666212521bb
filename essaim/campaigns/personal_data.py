"""What the campaigns hold about a person, for export and account deletion."""

from typing import Any

from essaim.accounts.models import User
from essaim.accounts.services import DELETED_DISPLAY_NAME
from essaim.campaigns.models import (
    CampaignFollow,
    CheckIn,
    Donation,
    GuestAction,
    InKindPledge,
    Participant,
    Rsvp,
    Signature,
)
from essaim.campaigns.services.events import rsvp_cancel
from essaim.campaigns.services.pledge import signatures_remove


def export(user: User) -> dict[str, Any]:
    return {
        "signatures": [
            {
                "campaign": s.pledge.campaign.title,
                "show_name": s.show_name,
                "signed_at": s.created_at.isoformat(),
            }
            for s in Signature.objects.filter(user=user).select_related("pledge__campaign")
        ],
        # Every action taken without an account (signed, joined, answered, offered), with
        # what the form recorded beside it: what the person agreed to, from which network.
        "actions_without_an_account": [
            {
                "kind": g.kind,
                "campaign": g.campaign.title,
                "event": g.event.title if g.event else None,
                "offer": g.offer or None,
                "postcode": g.postcode,
                "hear_from_hosts": g.hear_from_hosts,
                "consent": g.consent,
                "network": g.network,
                "acted_at": g.created_at.isoformat(),
                "confirmed_at": g.confirmed_at.isoformat() if g.confirmed_at else None,
            }
            for g in GuestAction.objects.filter(user=user)
            .select_related("campaign", "event")
            .order_by("created_at", "pk")
        ],
        "challenges": [
            {
                "campaign": p.challenge.campaign.title,
                "check_ins": [d.isoformat() for d in p.check_ins.values_list("date", flat=True)],
            }
            for p in Participant.objects.filter(user=user).select_related("challenge__campaign")
        ],
        "events": [
            {
                "event": r.event.title,
                "starts_at": r.event.starts_at.isoformat(),
                "status": r.status,
                "attended": r.attended_at is not None,
            }
            for r in Rsvp.objects.filter(user=user).select_related("event")
        ],
        "donations": [
            {
                "campaign": d.fundraiser.campaign.title,
                "amount": d.amount,
                "currency": d.currency,
                "status": d.status,
                "anonymous": d.anonymous,
                "given_at": d.created_at.isoformat(),
            }
            for d in Donation.objects.filter(user=user).select_related("fundraiser__campaign")
        ],
        "in_kind_offers": [
            {
                "campaign": k.fundraiser.campaign.title,
                "item": k.item,
                "quantity": k.quantity,
                "unit": k.unit,
                "declared_value": k.declared_value,
                "status": k.status,
                "offered_at": k.created_at.isoformat(),
            }
            for k in InKindPledge.objects.filter(offered_by=user).select_related(
                "fundraiser__campaign"
            )
        ],
        "followed_campaigns": list(
            CampaignFollow.objects.filter(user=user).values_list("campaign__title", flat=True)
        ),
    }


def erase(user: User) -> None:
    """Signatures, participations and RSVPs are the person's own acts: they go (a freed event
    place goes to the waiting list). Gifts stay in the ledger, which must add up, but become
    anonymous and unlinked."""
    for rsvp in (
        Rsvp.objects.filter(user=user).exclude(status=Rsvp.Status.CANCELLED).select_related("event")
    ):
        rsvp_cancel(user=user, event=rsvp.event)
    Rsvp.objects.filter(user=user).delete()
    signatures_remove(Signature.objects.filter(user=user))
    GuestAction.objects.filter(user=user).delete()
    CheckIn.objects.filter(participant__user=user).delete()
    Participant.objects.filter(user=user).delete()
    CampaignFollow.objects.filter(user=user).delete()
    Donation.objects.filter(user=user).update(user=None, anonymous=True, donor_name="")
    # Goods offered stay in the ledger too, under no name.
    InKindPledge.objects.filter(offered_by=user).update(
        offered_by=None, partner=DELETED_DISPLAY_NAME
    )
