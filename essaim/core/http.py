"""Small helpers views share."""

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
