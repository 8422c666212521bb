from django.http import HttpRequest

from essaim.campaigns.models import Campaign
from essaim.relay.attribution import arrive
from essaim.relay.services import link_resolve


def remember_attribution(request: HttpRequest, campaign: Campaign) -> None:
    """`?via=<code>` on the campaign page works like the share link `/r/<code>`."""
    code = request.GET.get("via", "")
    if not code:
        return
    link = link_resolve(code)
    if link is not None and link.campaign_id == campaign.pk:
        arrive(request, link)
