"""Telling a person they are invited to co-host a campaign (campaigns.events.HOST_INVITED)."""

from essaim.accounts.models import User
from essaim.notifications.models import Notification
from essaim.notifications.services import notify


def host_invited(
    *,
    host_id: int,
    user_id: int,
    campaign_id: int,
    campaign_title: str,
    campaign_url: str,
    invited_by_name: str,
    invited_at: str,
) -> None:
    """The invited person hears of it (and gets an e-mail, by their preferences); the link
    leads to the campaign page, where they accept or decline. Invited again after declining
    is a new fact, so the key carries the moment of the invitation."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    notify(
        user=user,
        kind=Notification.Kind.HOST_INVITATION,
        key=f"host-invitation:{host_id}:{invited_at}",
        params={"campaign": campaign_title, "invited_by": invited_by_name},
        url=campaign_url,
    )
