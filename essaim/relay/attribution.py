"""First-touch attribution, kept in the visitor's own session (a first-party cookie): the
first link that brought someone to a campaign is credited when they act, even after they
sign up or log in (Django keeps the session's data across log-in)."""

import time

from django.conf import settings
from django.http import HttpRequest

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign
from essaim.core.http import client_address
from essaim.relay.models import ShareLink
from essaim.relay.services import link_resolve, link_usable, visit_record

SESSION_KEY = "relay_touch"


def _window_seconds() -> float:
    return float(getattr(settings, "RELAY_ATTRIBUTION_DAYS", 30)) * 86400


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
    touches: dict[str, dict[str, object]] = request.session.get(SESSION_KEY, {})
    current = touches.get(str(link.campaign_id))
    now = time.time()
    if current is not None and now - float(str(current.get("at", 0))) < _window_seconds():
        return
    touches[str(link.campaign_id)] = {"code": link.code, "at": now}
    request.session[SESSION_KEY] = touches


def touched_code(request: HttpRequest, campaign: Campaign) -> str:
    """The code of the link still credited for an action on `campaign` now, unresolved: the
    signature stores it as it came and the settle resolves it; "" when none."""
    touch = request.session.get(SESSION_KEY, {}).get(str(campaign.pk))
    if not isinstance(touch, dict):
        return ""
    if time.time() - float(touch.get("at", 0)) >= _window_seconds():
        return ""
    return str(touch.get("code", ""))[:16]


def touched_link(request: HttpRequest, campaign: Campaign) -> ShareLink | None:
    """The link to credit for an action on `campaign` now, if any."""
    link = link_resolve(touched_code(request, campaign))
    return link if link is not None and link.campaign_id == campaign.pk else None
