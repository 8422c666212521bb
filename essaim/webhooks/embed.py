"""The embeddable widget: a campaign's progress and a sign button, inside an iframe on any
site (`/embed/<slug>/?via=<code>`).

Only these views may be framed: they send no X-Frame-Options and a Content-Security-Policy
whose `frame-ancestors` is `*`; every other page keeps DENY and `frame-ancestors 'none'`.
Framing by anyone is safe because nothing here acts on a visitor's behalf from another site:

- In a third-party iframe the browser sends no session (SameSite=Lax cookies), so the
  visitor is anonymous and the button opens the campaign in a new tab, top-level, through
  the organiser's share link (`/r/<code>`): the visit is counted and the signature credited,
  and the visitor signs there in one click (or signs up, keeping the credit).
- Signing in place, in one click, is offered only to a logged-in visitor whose browser says
  the frame is on this site itself (`Sec-Fetch-Site: same-origin`), like the hosts' preview;
  a page elsewhere cannot make someone click it (clickjacking), and a browser that sends no
  fetch metadata gets the new-tab button.

An anonymous e-mail form is not offered: a signature belongs to an account (one per person),
and a form posted from a third-party frame has no CSRF cookie; see the README.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.models import Campaign, Challenge, Fundraiser, Pledge, Signature
from essaim.campaigns.services import pledge as pledge_services
from essaim.core.errors import ApplicationError, NotFound
from essaim.core.http import HtmxHttpRequest
from essaim.core.middleware import CONTENT_SECURITY_POLICY
from essaim.relay.attribution import touched_link
from essaim.relay.models import ShareLink
from essaim.relay.services import link_resolve

EMBED_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors *"
)
# Fetch metadata values under which the frame is on this site (or not framed at all).
FIRST_PARTY = {"same-origin", "none"}


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let any site frame this view's page (and only this view's)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = EMBED_CONTENT_SECURITY_POLICY
        return response

    return xframe_options_exempt(wrapped)


def first_party(request: HttpRequest) -> bool:
    """Whether the browser says the request comes from this site's own pages. A browser that
    says nothing (no fetch metadata: old, or not a browser) gets the new-tab button: signing
    in place must not rest on SameSite cookies alone."""
    return request.headers.get("Sec-Fetch-Site", "") in FIRST_PARTY


def _link(campaign: Campaign, code: str) -> ShareLink | None:
    link = link_resolve(code[:16]) if code else None
    return link if link is not None and link.campaign_id == campaign.pk else None


def _progress(campaign: Campaign, user: User | AnonymousUser) -> dict[str, Any]:
    context: dict[str, Any] = {}
    pledge = Pledge.objects.filter(campaign=campaign).first()
    if pledge is not None:
        context["pledge"] = {
            **campaign_selectors.pledge_progress(
                campaign_selectors.signature_count(pledge), pledge.goal_ladder
            ),
            "signed": isinstance(user, User)
            and Signature.objects.filter(pledge=pledge, user=user).exists(),
        }
    fundraiser = Fundraiser.objects.filter(campaign=campaign).first()
    if fundraiser is not None:
        context["fundraiser"] = fundraiser
        context["totals"] = campaign_selectors.fundraiser_totals(fundraiser)
    challenge = Challenge.objects.filter(campaign=campaign).first()
    if challenge is not None:
        context["participants"] = challenge.participants.count()
    return context


def _render(
    request: HttpRequest, campaign: Campaign, link: ShareLink | None, **extra: Any
) -> HttpResponse:
    user = request.user
    context = {
        "campaign": campaign,
        "via": link.code if link is not None else "",
        # Top-level, through the organiser's link: the visit and the action are credited.
        "open_url": reverse("relay:go", args=[link.code]) if link else campaign.get_absolute_url(),
        "can_act": permissions.can_act(campaign),
        "in_place": isinstance(user, User) and first_party(request),
        **_progress(campaign, user),
        **extra,
    }
    template = "webhooks/embed.html"
    if getattr(request, "htmx", False):
        template += "#widget"
    return render(request, template, context)


def _campaign(request: HttpRequest, slug: str) -> Campaign | None:
    try:
        return campaign_selectors.campaign_get_for(slug=slug, user=request.user)
    except NotFound:
        return None


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/embed_missing.html", status=404)


@require_GET
@embeddable
def widget(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    if campaign is None:
        return _missing(request)
    return _render(request, campaign, _link(campaign, request.GET.get("via", "")))


@require_POST
@embeddable
def sign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Sign in place, in one click, from a frame on this site; anything else shows the widget
    unchanged (its button then opens the campaign)."""
    campaign = _campaign(request, slug)
    if campaign is None:
        return _missing(request)
    link = _link(campaign, request.POST.get("via", ""))
    pledge = Pledge.objects.filter(campaign=campaign).first()
    user = request.user
    if pledge is None or not isinstance(user, User) or not first_party(request):
        return _render(request, campaign, link)
    try:
        pledge_services.pledge_sign(
            user=user, pledge=pledge, link=link or touched_link(request, campaign)
        )
    except ApplicationError as error:
        return _render(request, campaign, link, error=error.message)
    return _render(request, campaign, link, thanks=True)
