"""Visits through share links, and the first touch they leave in the visitor's session (kept
by campaigns.attribution, which the action views read)."""

from django.http import HttpRequest

from essaim.accounts.models import User
from essaim.campaigns.attribution import touch_remember
from essaim.campaigns.models import Campaign
from essaim.core.http import client_address
from essaim.relay.models import ShareLink
from essaim.relay.services import link_resolve, link_usable, visit_record


def visitor_of(request: HttpRequest) -> str:
    """Who is visiting, before hashing: the account, else the address and the browser."""
    if isinstance(request.user, User):
        return f"user:{request.user.pk}"
    address = client_address(request)
    return f"anon:{address}|{request.META.get('HTTP_USER_AGENT', '')[:300]}"


def arrive(request: HttpRequest, link: ShareLink) -> None:
    """A visit through `link`: counted once per visitor, and remembered unless an earlier
    link to the same campaign is still within the window (first touch wins)."""
    if not link_usable(link):
        return
    user = request.user if isinstance(request.user, User) else None
    visit_record(link=link, visitor=visitor_of(request), user=user)
    if user is not None and user.pk == link.owner_id:
        return
    touch_remember(request, campaign_id=link.campaign_id, code=link.code)


def arrive_by_code(request: HttpRequest, campaign: Campaign, code: str) -> None:
    """The campaign page opened with `?via=<code>` (campaigns.attribution's arrival): the
    code's link counts if it is one of this campaign's."""
    link = link_resolve(code)
    if link is not None and link.campaign_id == campaign.pk:
        arrive(request, link)
