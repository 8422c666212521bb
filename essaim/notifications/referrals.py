"""Telling people their share link worked (`relay.referrals_recorded`)."""

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign
from essaim.notifications.models import Notification
from essaim.notifications.services import notify
from essaim.relay.models import Supporter

# A referrer hears of the first person their link brought, then of these counts.
MILESTONES = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


def referrals_recorded(*, campaign_id: int, referrer_ids: list[int]) -> None:
    """After the referrals' commit: counting then sees every concurrent referral that
    committed, so no milestone is skipped."""
    for referrer_id in referrer_ids:
        referrer_tell(campaign_id=campaign_id, referrer_id=referrer_id)


def referrer_tell(*, campaign_id: int, referrer_id: int) -> None:
    """Tell the referrer of the highest milestone their link has reached, once each; the
    campaign and the person are read only when one is due."""
    count = Supporter.objects.filter(campaign_id=campaign_id, referrer_id=referrer_id).count()
    reached = [milestone for milestone in MILESTONES if milestone <= count]
    if not reached:
        return
    referrer = User.objects.filter(pk=referrer_id).first()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if referrer is None or campaign is None:
        return
    notify(
        user=referrer,
        kind=Notification.Kind.RELAY_MILESTONE,
        key=f"relay:{campaign.pk}:{reached[-1]}",
        params={"campaign": campaign.title, "count": reached[-1]},
        url=campaign.get_absolute_url(),
    )
