"""Relay's parts of the campaign page (core.parts, registered in apps.ready()): campaigns sits
below relay and cannot ask it for them."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign
from essaim.campaigns.permissions import can_act
from essaim.core.parts import Part
from essaim.relay.selectors import link_panel, public_counts
from essaim.relay.services import link_for, share_panel


def campaign_reach(*, campaign: Campaign) -> Part | None:
    """How many acted and how many through a share: public, in the anonymous shared copy too."""
    reach = public_counts(campaign)
    if not reach["total"]:
        return None
    return Part(template="relay/_public_reach.html", context={"reach": reach})


def campaign_share(
    *, viewer: User | AnonymousUser, campaign: Campaign, is_host: bool
) -> Part | None:
    """The viewer's own share panel, once they acted (or host) while the campaign is live."""
    panel = share_panel(viewer, campaign, is_host=is_host)
    return Part(template="relay/_share.html", context=panel) if panel else None


def guest_share(
    *, person: User, campaign: Campaign, with_stats: bool, new_person: bool
) -> Part | None:
    """A guest's share panel right after they acted, while the campaign is live; what their
    link did only `with_stats` (once their address confirmed). The link is made on first ask,
    without a look for a `new_person` (recorded by the action this page follows)."""
    if not can_act(campaign):
        return None
    link = link_for(user=person, campaign=campaign, new_owner=new_person)
    return Part(
        template="relay/_share.html", context=link_panel(link, campaign, with_stats=with_stats)
    )
