"""The site's public address, for every absolute link the instance hands out: share links and
their QR codes, e-mails, the API's `url` fields, iCal files, webhooks, Open Graph tags.

In production it is one setting, `SITE_URL` (checked at start-up: `essaim.core.checks`). In
development (`SITE_URL_FROM_REQUEST`, on in settings/local.py) the address follows how the
site is being served: `SiteOriginMiddleware` records the request's scheme and host for the
duration of the request, so `PORT=8200 make demo` hands out links to port 8200 and a phone
on the LAN gets links to the address it used. Work done outside a request (task workers, the
scheduler) has no request to follow and uses `SITE_URL`, which `make demo` sets from PORT.
"""

from collections.abc import Callable
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse

_request_origin: ContextVar[str | None] = ContextVar("request_origin", default=None)


def site_origin() -> str:
    """`scheme://host[:port]`, without a trailing slash."""
    return _request_origin.get() or settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """`path` (starting with "/") on the site's public address; a full URL is left alone."""
    if not path.startswith("/"):
        return path
    return site_origin() + path


def site_hostname() -> str:
    return urlsplit(site_origin()).hostname or "essaim.localhost"


def site_url_problem(value: str) -> str | None:
    """Why `value` cannot be the site's address, or None when it can."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "it must be an http:// or https:// address with a host name"
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        return "it must be an origin only (scheme, host and port), without a path"
    return None


def site_row_update(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: object) -> None:
    """The sites framework's row (allauth's e-mails say "Hello from <its name>" and end with
    its domain) brought in line with SITE_NAME and SITE_URL; run after every migrate, so a
    changed setting reaches it (Django creates the row as "example.com")."""
    values = {"name": settings.SITE_NAME[:50]}
    # Production's SITE_URL has no default: without it (the checks refuse to migrate then),
    # the row keeps its domain.
    if domain := urlsplit(settings.SITE_URL).netloc:
        values["domain"] = domain
    Site.objects.using(using).update_or_create(pk=settings.SITE_ID, defaults=values)
    Site.objects.clear_cache()


class SiteOriginMiddleware:
    """Records the request's origin for `absolute_url` when the settings ask for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SITE_URL_FROM_REQUEST:
            return self.get_response(request)
        # get_host() checks ALLOWED_HOSTS: a forged Host header never reaches a link.
        token = _request_origin.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)
