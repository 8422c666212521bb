"""First-touch attribution, kept in the visitor's own session (a first-party cookie): the
first share link that brought someone to a campaign is credited when they act, even after they
sign up or log in (Django keeps the session's data across log-in).

Campaigns keeps the touch, the link's code as it came, and hands it to its action services
(`via`). What a code is worth is relay's business, above: relay counts the visit and remembers
a usable link here (`touch_remember`), and resolves the code when the action is recorded. A
campaign page opened with `?via=<code>` is handed to the arrival relay installs in its
AppConfig.ready(), and so is the co-host a code credits (`credited_host_id`)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest

from essaim.campaigns.models import Campaign

SESSION_KEY = "relay_touch"

Arrival = Callable[[HttpRequest, Campaign, str], None]
HostCredit = Callable[[int, str], int | None]

_arrivals: dict[str, Arrival] = {}
_host_credits: list[HostCredit] = []


def _window_seconds() -> float:
    return float(getattr(settings, "RELAY_ATTRIBUTION_DAYS", 30)) * 86400


def touch_remember(request: HttpRequest, *, campaign_id: int, code: str) -> None:
    """Credit `code` for the campaign's actions in this session, unless an earlier link to the
    same campaign is still within the window (first touch wins)."""
    touches: dict[str, dict[str, object]] = request.session.get(SESSION_KEY, {})
    current = touches.get(str(campaign_id))
    now = time.time()
    if current is not None and now - float(str(current.get("at", 0))) < _window_seconds():
        return
    touches[str(campaign_id)] = {"code": code, "at": now}
    request.session[SESSION_KEY] = touches


def touched_code(request: HttpRequest, campaign: Campaign) -> str:
    """The code of the link still credited for an action on `campaign` now, unresolved: the
    action stores it as it came and relay resolves it; "" when none."""
    touch = request.session.get(SESSION_KEY, {}).get(str(campaign.pk))
    if not isinstance(touch, dict):
        return ""
    if time.time() - float(touch.get("at", 0)) >= _window_seconds():
        return ""
    return str(touch.get("code", ""))[:16]


def arrival_register(name: str, arrival: Arrival) -> None:
    """`arrival(request, campaign, code)`: a visit of the campaign's page with `?via=<code>`.
    Registering the same name again replaces it (ready() may run more than once in tests)."""
    _arrivals[name] = arrival


def arrive_via(request: HttpRequest, campaign: Campaign) -> None:
    """`?via=<code>` on the campaign page works like the share link `/r/<code>`."""
    code = request.GET.get("via", "")
    if code:
        for arrival in _arrivals.values():
            arrival(request, campaign, code)


def host_credit_install(credit: HostCredit) -> None:
    """`credit(campaign_id, via)`: the id of the co-host an action through the code `via` is
    credited to, for the co-host leaderboard, or None. Installing again replaces."""
    _host_credits[:] = [credit]


def credited_host_id(*, campaign_id: int, via: str) -> int | None:
    if not via or not _host_credits:
        return None
    return _host_credits[0](campaign_id, via)
