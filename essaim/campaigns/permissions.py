"""Who may do what on a campaign: pure predicates over rows the caller has read."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.communities.models import Membership

COMMUNITY_MANAGERS = [Membership.Role.OWNER, Membership.Role.MODERATOR]


def hosts_q(user: User) -> Q:
    """CampaignHost rows `user` speaks for: as a person, or as a manager of a community."""
    managed = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role__in=COMMUNITY_MANAGERS
    ).values("community_id")
    return Q(user=user) | Q(community_id__in=managed)


def is_host(user: User | AnonymousUser, campaign: Campaign) -> bool:
    if not isinstance(user, User):
        return False
    return CampaignHost.objects.filter(
        hosts_q(user), campaign=campaign, status=CampaignHost.Status.ACCEPTED
    ).exists()


def can_view(user: User | AnonymousUser, campaign: Campaign) -> bool:
    """Live and closed campaigns are public; a draft only exists for its hosts."""
    public = campaign.status != Campaign.Status.DRAFT and campaign.moderation == "visible"
    return public or is_host(user, campaign)


def can_act(campaign: Campaign) -> bool:
    """Signing, joining, RSVPs and gifts only while the campaign is live."""
    return campaign.status == Campaign.Status.LIVE


def can_answer_invitation(user: User | AnonymousUser, host: CampaignHost) -> bool:
    if not isinstance(user, User) or host.status != CampaignHost.Status.INVITED:
        return False
    return CampaignHost.objects.filter(hosts_q(user), pk=host.pk).exists()
