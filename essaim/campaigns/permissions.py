"""Who may do what on a campaign, asked of the database (so a change since the caller read
the row counts)."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.campaigns.models.campaign import hosts_q


def is_host(user: User | AnonymousUser, campaign: Campaign) -> bool:
    if not isinstance(user, User):
        return False
    return CampaignHost.objects.filter(
        hosts_q(user), campaign=campaign, status=CampaignHost.Status.ACCEPTED
    ).exists()


def can_view(user: User | AnonymousUser, campaign: Campaign) -> bool:
    """`Campaign.objects.visible_to`, for one campaign: read from the database, so a
    campaign hidden or turned back into a draft since it was loaded is seen as it is now."""
    return Campaign.objects.visible_to(user).filter(pk=campaign.pk).exists()


def can_act(campaign: Campaign) -> bool:
    """Signing, joining, RSVPs and gifts only while the campaign is live."""
    return campaign.status == Campaign.Status.LIVE


def can_answer_invitation(user: User | AnonymousUser, host: CampaignHost) -> bool:
    if not isinstance(user, User) or host.status != CampaignHost.Status.INVITED:
        return False
    return CampaignHost.objects.filter(hosts_q(user), pk=host.pk).exists()
