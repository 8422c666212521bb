"""Small helpers views share."""

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """After a one-click action without JavaScript: back to the page the form named in `next`,
    if it is a page of this site, else to `fallback`. Never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


class HtmxHttpRequest(HttpRequest):
    """For type checking: django-htmx's middleware sets `request.htmx` on every request."""

    htmx: HtmxDetails


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind reverse proxies (`PROXY_COUNT` of them, each appending
    to X-Forwarded-For), the address the first trusted proxy saw; otherwise REMOTE_ADDR. The
    header is never trusted beyond the proxies one runs: a client can write anything in it."""
    proxies = int(getattr(settings, "PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "")) or "unknown"
