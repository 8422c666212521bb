"""Who may do what on a campaign, asked of the database (so a change since the caller read
the row counts)."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User
from essaim.accounts.permissions import can_moderate_instance
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.campaigns.models.campaign import hosts_q


def is_host(user: User | AnonymousUser, campaign: Campaign) -> bool:
    if not isinstance(user, User):
        return False
    return CampaignHost.objects.filter(
        hosts_q(user), campaign=campaign, status=CampaignHost.Status.ACCEPTED
    ).exists()


def _viewer(user: User | AnonymousUser) -> int:
    return user.pk if isinstance(user, User) else 0


def campaign_seen_by(campaign: Campaign, user: User | AnonymousUser) -> None:
    """Mark the instance as found through `Campaign.objects.visible_to(user)` a moment ago
    (`selectors.campaign_get_for`), so the service the same request calls next does not ask
    the database the same question again."""
    campaign.visible_to_viewer = _viewer(user)


def can_view(user: User | AnonymousUser, campaign: Campaign) -> bool:
    """`Campaign.objects.visible_to`, for one campaign. An instance the request looked up for
    this person is known visible; any other is read from the database, so a campaign hidden
    or turned back into a draft since it was loaded is seen as it is now."""
    if campaign.visible_to_viewer == _viewer(user):
        return True
    return Campaign.objects.visible_to(user).filter(pk=campaign.pk).exists()


def can_act(campaign: Campaign) -> bool:
    """Signing, joining, RSVPs and gifts only while the campaign is live."""
    return campaign.status == Campaign.Status.LIVE


def can_answer_invitation(user: User | AnonymousUser, host: CampaignHost) -> bool:
    if not isinstance(user, User) or host.status != CampaignHost.Status.INVITED:
        return False
    return CampaignHost.objects.filter(hosts_q(user), pk=host.pk).exists()


def can_invalidate(user: User | AnonymousUser, campaign: Campaign) -> bool:
    """Setting suspicious signatures aside: the campaign's hosts, and the instance's
    moderators (a host may be the one a fake crowd serves)."""
    return can_moderate_instance(user) or is_host(user, campaign)


def can_read_guest_emails(user: User | AnonymousUser) -> bool:
    """A guest's address is shown to the instance's staff alone, never to the hosts (who
    receive only the addresses of those who agreed to hear from them, in their export:
    `selectors.guest.guest_contacts`)."""
    return can_moderate_instance(user)
