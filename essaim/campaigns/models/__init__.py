from essaim.campaigns.models.campaign import (
    Campaign,
    CampaignFollow,
    CampaignHost,
    CampaignUpdate,
    Milestone,
    UpdateComment,
    UpdateReaction,
)
from essaim.campaigns.models.challenge import Challenge, ChallengeDay, CheckIn, Participant
from essaim.campaigns.models.events import Event, EventResult, Rsvp
from essaim.campaigns.models.fundraising import Donation, Fundraiser, InKindPledge
from essaim.campaigns.models.guest import GUEST_EMAIL_CHANNEL, GuestAction
from essaim.campaigns.models.invalidation import SignatureInvalidation
from essaim.campaigns.models.pledge import Pledge, Signature, SignatureTally
from essaim.campaigns.models.video import CampaignVideo

__all__ = [
    "GUEST_EMAIL_CHANNEL",
    "Campaign",
    "CampaignFollow",
    "CampaignHost",
    "CampaignUpdate",
    "CampaignVideo",
    "Challenge",
    "ChallengeDay",
    "CheckIn",
    "Donation",
    "Event",
    "EventResult",
    "Fundraiser",
    "GuestAction",
    "InKindPledge",
    "Milestone",
    "Participant",
    "Pledge",
    "Rsvp",
    "Signature",
    "SignatureInvalidation",
    "SignatureTally",
    "UpdateComment",
    "UpdateReaction",
]
