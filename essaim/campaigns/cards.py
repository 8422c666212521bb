"""Campaign cards: what a list of campaigns shows of each (picture, cause, progress, count,
days left, main action) and, for a person, the challenges that ask something of them today.

Reads only, scoped by the caller's visibility-scoped queryset. A page of cards costs a fixed
number of queries whatever its length: counts are read per kind of action for all the cards
at once, never campaign by campaign.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.models import User
from essaim.campaigns.models import (
    Campaign,
    Challenge,
    ChallengeDay,
    CheckIn,
    Donation,
    Fundraiser,
    InKindPledge,
    Participant,
    Pledge,
    SignatureTally,
)
from essaim.campaigns.selectors import pledge_progress
from essaim.campaigns.templatetags.campaigns import money

# How many live campaigns the front door shows before "All campaigns".
FRONT_DOOR_CAMPAIGNS = 6


@dataclass(frozen=True)
class CampaignCard:
    campaign: Campaign
    # "sign", "join", "give" or "" (a campaign with events only, or no action yet).
    action: str
    action_label: str
    count: int | None
    count_label: str
    # Percent of the next goal, None when the action has no goal (a challenge).
    percent: int | None
    goal_label: str
    days_left: int | None


def campaign_cards(
    campaigns: Sequence[Campaign], *, today: date | None = None
) -> list[CampaignCard]:
    """The card of each of `campaigns`, in the same order. Six queries for any number of
    campaigns."""
    today = today or timezone.localdate()
    ids = [campaign.pk for campaign in campaigns]
    pledges = {pledge.campaign_id: pledge for pledge in Pledge.objects.filter(campaign_id__in=ids)}
    signed = dict(
        SignatureTally.objects.filter(pledge__in=pledges.values())
        .values("pledge_id")
        .annotate(n=Sum("count"))
        .values_list("pledge_id", "n")
    )
    challenges = {
        challenge.campaign_id: challenge
        for challenge in Challenge.objects.filter(campaign_id__in=ids).annotate(
            joined=Count("participants")
        )
    }
    fundraisers = {
        fundraiser.campaign_id: fundraiser
        for fundraiser in Fundraiser.objects.filter(campaign_id__in=ids)
    }
    donated = dict(
        Donation.objects.filter(
            fundraiser__in=fundraisers.values(), status=Donation.Status.SUCCEEDED
        )
        .values("fundraiser_id")
        .annotate(total=Sum("amount"))
        .values_list("fundraiser_id", "total")
    )
    delivered = dict(
        InKindPledge.objects.filter(
            fundraiser__in=fundraisers.values(), status=InKindPledge.Status.DELIVERED
        )
        .values("fundraiser_id")
        .annotate(total=Sum("declared_value"))
        .values_list("fundraiser_id", "total")
    )
    cards = []
    for campaign in campaigns:
        days_left = (campaign.ends_on - today).days if campaign.ends_on else None
        if days_left is not None and days_left < 0:
            days_left = None
        pledge = pledges.get(campaign.pk)
        challenge = challenges.get(campaign.pk)
        fundraiser = fundraisers.get(campaign.pk)
        card: CampaignCard
        if pledge is not None:
            progress = pledge_progress(int(signed.get(pledge.pk) or 0), pledge.goal_ladder)
            count, goal = progress["count"], progress["goal"]
            card = CampaignCard(
                campaign=campaign,
                action="sign",
                action_label=_("Sign"),
                count=count,
                count_label=ngettext("signature", "signatures", count),
                percent=progress["percent"],
                goal_label=_("goal: %(goal)s") % {"goal": number_format(goal)},
                days_left=days_left,
            )
        elif fundraiser is not None:
            total = int(donated.get(fundraiser.pk) or 0) + int(delivered.get(fundraiser.pk) or 0)
            goal = fundraiser.goal_amount
            card = CampaignCard(
                campaign=campaign,
                action="give",
                action_label=_("Give"),
                count=None,
                count_label=_("%(amount)s raised") % {"amount": money(total, fundraiser.currency)},
                percent=min(100, round(100 * total / goal)) if goal else 100,
                goal_label=_("goal: %(goal)s") % {"goal": money(goal, fundraiser.currency)},
                days_left=days_left,
            )
        elif challenge is not None:
            joined = int(getattr(challenge, "joined", 0))
            card = CampaignCard(
                campaign=campaign,
                action="join",
                action_label=_("Join the challenge"),
                count=joined,
                count_label=ngettext("participant", "participants", joined),
                percent=None,
                goal_label="",
                days_left=days_left,
            )
        else:
            card = CampaignCard(campaign, "", _("See the campaign"), None, "", None, "", days_left)
        cards.append(card)
    return cards


def live_campaigns(
    user: User | AnonymousUser, *, limit: int = FRONT_DOOR_CAMPAIGNS
) -> list[CampaignCard]:
    """The cards of the newest live campaigns `user` may see."""
    campaigns = list(Campaign.objects.visible_to(user).filter(status=Campaign.Status.LIVE)[:limit])
    return campaign_cards(campaigns)


@dataclass(frozen=True)
class TodaysChallenge:
    campaign: Campaign
    prompt: str
    checked_in: bool


def todays_challenges(user: User) -> list[TodaysChallenge]:
    """The running challenges `user` joined, with today's prompt and whether they checked
    in: what the front door puts first for them."""
    today = timezone.localdate()
    participants = list(
        Participant.objects.filter(
            user=user,
            challenge__starts_on__lte=today,
            challenge__ends_on__gte=today,
            challenge__campaign__status=Campaign.Status.LIVE,
        )
        .filter(challenge__campaign__in=Campaign.objects.visible_to(user))
        .select_related("challenge__campaign")
        .order_by("challenge__ends_on", "pk")
    )
    challenge_ids = [participant.challenge_id for participant in participants]
    prompts = dict(
        ChallengeDay.objects.filter(challenge_id__in=challenge_ids, date=today).values_list(
            "challenge_id", "prompt"
        )
    )
    done = set(
        CheckIn.objects.filter(participant__in=participants, date=today).values_list(
            "participant_id", flat=True
        )
    )
    return [
        TodaysChallenge(
            campaign=participant.challenge.campaign,
            prompt=prompts.get(participant.challenge_id, ""),
            checked_in=participant.pk in done,
        )
        for participant in participants
    ]
