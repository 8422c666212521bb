"""Write limits per account and per address, with a clear 429 and Retry-After.

Fixed windows counted in the cache (Redis in production: INCR is atomic across app servers).
If the cache is down, requests go through (fail open, logged): refusing every write because a
counter is unreachable would take the site down with the cache.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.core.errors import ApplicationError
from essaim.core.http import client_address
from essaim.core.middleware import error_response
from essaim.moderation.trust import MEMBER, NEW, STAFF, TRUSTED, trust_level

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
}


class TooManyRequests(ApplicationError):
    status_code = 429


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def limits(scope: str) -> list[Limit]:
    configured = getattr(settings, "RATE_LIMITS", {})
    return [Limit(*pair) for pair in configured.get(scope, DEFAULT_LIMITS[scope])]


def hit(key: str, limit: Limit, now: float | None = None) -> int | None:
    """Count one request against `limit`; the seconds to wait when it is exceeded, else None."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    name = f"rl:{key}:{limit.seconds}:{window}"
    try:
        cache.add(name, 0, limit.seconds + 5)
        count = cache.incr(name)
    except Exception:  # noqa: BLE001 - fail open, see the module's docstring
        logger.warning("rate limit counter unavailable", extra={"key": key})
        return None
    if count <= limit.count:
        return None
    return max(1, math.ceil((window + 1) * limit.seconds - now))


def check(request: HttpRequest) -> int | None:
    """The longest wait any limit this request exceeds asks for, or None."""
    waits: list[int] = []
    address = client_address(request)
    checks: list[tuple[str, str]] = [("address", f"address:{address}")]
    if request.path == reverse("account_signup"):
        checks.append(("signup", f"signup:{address}"))
    if isinstance(request.user, User):
        checks.append((f"account:{trust_level(request.user)}", f"account:{request.user.pk}"))
    for scope, key in checks:
        for limit in limits(scope):
            wait = hit(key, limit)
            if wait is not None:
                waits.append(wait)
    return max(waits) if waits else None


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
                response = error_response(
                    request,
                    TooManyRequests(
                        _("Too many requests: please wait %(seconds)d seconds and try again.")
                        % {"seconds": wait},
                        extra={"retry_after": wait},
                    ),
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
