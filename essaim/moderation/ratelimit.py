"""Write limits per account and per address, with a clear 429 and Retry-After.

Fixed windows counted in the cache (Redis in production: INCR is atomic across app servers).
If the cache is down, requests go through (fail open, logged): refusing every write because a
counter is unreachable would take the site down with the cache.
"""

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import ngettext

from essaim.accounts.models import User, canonical_email
from essaim.accounts.trust import MEMBER, NEW, STAFF, TRUSTED, trust_level
from essaim.campaigns.services.guest import network_of
from essaim.core.cache import UNAVAILABLE
from essaim.core.errors import ApplicationError
from essaim.core.http import client_address
from essaim.core.middleware import error_response

logger = logging.getLogger(__name__)

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# (count, seconds): at most `count` writes in any window of `seconds`.
DEFAULT_LIMITS: dict[str, list[tuple[int, int]]] = {
    f"account:{NEW}": [(10, 60), (60, 3600)],
    f"account:{MEMBER}": [(30, 60), (600, 3600)],
    f"account:{TRUSTED}": [(60, 60), (2000, 3600)],
    f"account:{STAFF}": [],
    "address": [(120, 60), (3000, 3600)],
    "signup": [(5, 3600)],
    # Actions without an account (campaigns.views.guest): per network (an IPv4 /24, an IPv6
    # /48: a crowd behind one box still signs, a script hopping addresses does not), and per
    # e-mail address (canonical: aliases count as one), whoever sends it.
    "guest": [(30, 60), (300, 3600)],
    "guest-email": [(5, 3600)],
}
# The views where a visitor acts without an account.
GUEST_VIEWS = frozenset(
    {
        "campaigns:guest_sign",
        "campaigns:guest_join",
        "campaigns:guest_rsvp",
        "api-v1:guest_act",
        "api-v1:guest_gift",
        "embed:guest_sign",
        "campaigns:guest_give",
        "campaigns:guest_in_kind",
    }
)
LEVELS = (NEW, MEMBER, TRUSTED, STAFF)


class TooManyRequests(ApplicationError):
    status_code = 429


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def limits(scope: str) -> list[Limit]:
    configured = getattr(settings, "RATE_LIMITS", {})
    return [Limit(*pair) for pair in configured.get(scope, DEFAULT_LIMITS[scope])]


def _count(keys: list[tuple[str, int]]) -> list[int] | None:
    """One more on each counter; None when the cache is unavailable (fail open)."""
    try:
        count_many = getattr(cache, "count_many", None)  # one round trip, with Redis
        if count_many is not None:
            return list(count_many(keys))
        counts = []
        for name, seconds in keys:
            cache.add(name, 0, seconds)
            counts.append(cache.incr(name))
    except Exception as error:  # fail open, see the module's docstring
        # The error's class and words: a Redis back from a restart whose counters still fail
        # (the limits silently off) must say why in the log. Redis being unreachable is an
        # outage the cache's own warnings already tell; anything else is a fault in the
        # counting itself and carries its traceback.
        logger.warning(
            "rate limit counter unavailable",
            extra={"keys": len(keys), "error": f"{type(error).__name__}: {error}"[:200]},
            exc_info=not isinstance(error, UNAVAILABLE),
        )
        return None
    return counts


def _strictest_account_limits() -> list[Limit]:
    """Every window any trust level counts in, with the lowest count allowed there."""
    strictest: dict[int, int] = {}
    for level in LEVELS:
        for limit in limits(f"account:{level}"):
            strictest[limit.seconds] = min(limit.count, strictest.get(limit.seconds, limit.count))
    return [Limit(count, seconds) for seconds, count in sorted(strictest.items())]


def check(request: HttpRequest, now: float | None = None) -> int | None:
    """The longest wait any limit this request exceeds asks for, or None.

    All counters move in one round trip. An account is counted against the strictest level's
    limits first: its own level costs queries to know, and is only looked up when the counts
    pass them, which an ordinary writer (a one-click supporter, say) never does."""
    user = request.user if isinstance(request.user, User) else None
    now = time.time() if now is None else now
    address = client_address(request)
    checks = [(f"address:{address}", limit) for limit in limits("address")]
    if request.path == reverse("account_signup"):
        checks += [(f"signup:{address}", limit) for limit in limits("signup")]
    if user is not None:
        checks += [(f"account:{user.pk}", limit) for limit in _strictest_account_limits()]
    elif _acts_as_guest(request):
        network = network_of(address) or address
        checks += [(f"guest:{network}", limit) for limit in limits("guest")]
        email = _guest_email(request)
        if email:
            # Hashed: the cache holds no one's address.
            digest = hashlib.sha256(canonical_email(email).encode()).hexdigest()[:32]
            checks += [(f"guest-email:{digest}", limit) for limit in limits("guest-email")]
    counts = _count(
        [
            (f"rl:{key}:{limit.seconds}:{int(now // limit.seconds)}", limit.seconds + 5)
            for key, limit in checks
        ]
    )
    if counts is None:
        return None
    own: dict[int, Limit] | None = None
    waits = []
    for (key, limit), count in zip(checks, counts, strict=True):
        if count <= limit.count:
            continue
        if user is not None and key.startswith("account:"):
            if own is None:
                own = {item.seconds: item for item in limits(f"account:{trust_level(user)}")}
            if limit.seconds not in own or count <= own[limit.seconds].count:
                continue
            limit = own[limit.seconds]
        waits.append(max(1, math.ceil((int(now // limit.seconds) + 1) * limit.seconds - now)))
    return max(waits) if waits else None


def _guest_email(request: HttpRequest) -> str:
    """The address a guest acts with: the form's field, or the API's JSON body's."""
    if request.content_type != "application/json":
        return str(request.POST.get("email", "")).strip()
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig):
        # The API answers a body it cannot read itself (RecursionError: arrays nested past
        # Python's depth); the network's limit still counted.
        return ""
    email = data.get("email") if isinstance(data, dict) else None
    return email.strip() if isinstance(email, str) else ""


def _acts_as_guest(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).view_name in GUEST_VIEWS
    except Resolver404:
        return False


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = error_response(
        request,
        TooManyRequests(
            ngettext(
                "Too many requests: please wait %(seconds)d second and try again.",
                "Too many requests: please wait %(seconds)d seconds and try again.",
                wait,
            )
            % {"seconds": wait},
            extra={"retry_after": wait},
        ),
    )
    response["Retry-After"] = str(wait)
    return response


def exempt(request: HttpRequest) -> bool:
    # The admin stays behind staff log-in; providers' webhooks are signed and retried by the
    # provider; logging out must always work.
    return request.path.startswith(("/admin/", "/campaigns/payments/")) or request.path == reverse(
        "account_logout"
    )


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in UNSAFE and not exempt(request):
            wait = check(request)
            if wait is not None:
                return too_many(request, wait)
        return self.get_response(request)
