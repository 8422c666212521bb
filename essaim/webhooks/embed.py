"""The embeddable widget: a campaign's progress, a sign button and a short form, inside an
iframe on any site (`/embed/<slug>/?via=<code>`).

Only the widget views may be framed: they send no X-Frame-Options and a
Content-Security-Policy whose `frame-ancestors` is `*`; every other page, the short form's
target (`join`) included, keeps DENY and `frame-ancestors 'none'`. Framing by anyone is safe
because nothing here acts on a visitor's behalf from another site:

- In a third-party iframe the browser sends no session (SameSite=Lax cookies), so the
  visitor is anonymous there. The button opens the campaign in a new tab, top-level, through
  the organiser's share link (`/r/<code>`): the visit is counted and the signature credited,
  and the visitor signs there in one click. The short form is for those who have no account
  yet: their e-mail address, sent by GET to `join` in a new tab, which remembers the
  organiser's link (first-party, top-level: the visitor's own session) and opens the sign-up
  page with the address filled in, coming back to the campaign. Nothing is written from
  inside the frame, so it needs no CSRF token, and the clickjacking trade-off stays: a framing
  page can at most make someone open a tab of ours.
- Signing in place, in one click, is offered only to a logged-in visitor whose frame's page
  was requested from this site itself (`Sec-Fetch-Site: same-origin`, or `none`: not framed),
  like the hosts' preview. That check is what keeps the button from a same-site page on
  another subdomain, which does get the cookies; a browser that sends no fetch metadata gets
  the new-tab button. The POST itself is guarded by the CSRF token (only in a page rendered
  with the button) and Django's Origin check: from our own frame it is always same-origin, so
  checking its fetch metadata again would add nothing.

A visitor without an account signs in the frame in one step (`guest_sign`): the site's own
guest form (name, e-mail, consent, its honeypot, minimum time and proof of work when on),
posted in place — by htmx when scripts run, a plain POST that renders the widget again
otherwise — to `guest_act`, which writes a pending action and mails the confirmation. As on
the campaign's page it is exempt from CSRF (the frame carries no one's session, and what
makes it count is the confirmation its address gives) and counted against the guest write
limits (`moderation.ratelimit.GUEST_VIEWS`). Its answer is the same whoever the address
belongs to: pending, see your e-mail.

The anonymous widget is the same for every visitor of a campaign through one share code in
one language: it is rendered once per `WIDGET_CACHE_SECONDS` (one query on a hit, which
checks the campaign may still be shown) and sent with `Cache-Control: public`.
"""

import re
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.guest_forms import GuestSignForm
from essaim.campaigns.models import Campaign, Challenge, Fundraiser, Pledge, Signature
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services import pledge as pledge_services
from essaim.campaigns.views.guest import guest_given
from essaim.core.errors import ApplicationError, NotFound
from essaim.core.http import HtmxHttpRequest
from essaim.core.middleware import CONTENT_SECURITY_POLICY
from essaim.relay.attribution import arrive
from essaim.relay.models import ShareLink
from essaim.relay.services import link_resolve

EMBED_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors *"
)
# Fetch metadata values under which the frame is on this site (or not framed at all).
FIRST_PARTY = {"same-origin", "none"}
# The anonymous widget, rendered once for everyone: its counts may lag by this much on the
# server, and by `WIDGET_MAX_AGE` more in browsers and shared caches.
WIDGET_CACHE_SECONDS = 30
WIDGET_MAX_AGE = 30
# What a share code can look like (token_urlsafe); anything else is no code, and no cache key.
CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let any site frame this view's page (and only this view's)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = EMBED_CONTENT_SECURITY_POLICY
        return response

    return xframe_options_exempt(wrapped)


def first_party(request: HttpRequest) -> bool:
    """Whether the browser says this page was requested from this site's own pages (or not
    from a page at all). Same-site pages on other subdomains do get our SameSite=Lax cookies,
    so a logged-in session alone does not mean the frame is ours; a browser that says nothing
    (no fetch metadata: old, or not a browser) counts as not first-party."""
    return request.headers.get("Sec-Fetch-Site", "") in FIRST_PARTY


def _code(value: str) -> str:
    return value if CODE.fullmatch(value) else ""


def _link(campaign: Campaign, code: str) -> ShareLink | None:
    link = link_resolve(code) if _code(code) else None
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
    request: HttpRequest,
    campaign: Campaign,
    link: ShareLink | None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    user = request.user
    context = {
        "campaign": campaign,
        "via": link.code if link is not None else "",
        # Top-level, through the organiser's link: the visit and the action are credited.
        "open_url": reverse("relay:go", args=[link.code]) if link else campaign.get_absolute_url(),
        "can_act": permissions.can_act(campaign),
        "in_place": isinstance(user, User) and first_party(request),
        "known": isinstance(user, User),
        **_progress(campaign, user),
        "hours": guest_services.expiry().total_seconds() // 3600,
        **extra,
    }
    template = "webhooks/embed.html"
    if getattr(request, "htmx", False):
        template += "#widget"
    return render(request, template, context, status=status)


def _campaign(request: HttpRequest, slug: str) -> Campaign | None:
    try:
        return campaign_selectors.campaign_get_for(slug=slug, user=request.user)
    except NotFound:
        return None


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/embed_missing.html", status=404)


def _widget_key(request: HtmxHttpRequest, campaign: Campaign, code: str) -> str:
    # The campaign's last change in the key: a new title or status shows at once.
    return ":".join(
        [
            "embed:widget",
            str(campaign.pk),
            str(int(campaign.updated_at.timestamp())),
            code,
            translation.get_language() or "",
            "htmx" if getattr(request, "htmx", False) else "page",
        ]
    )


@require_GET
@embeddable
def widget(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    if campaign is None:
        return _missing(request)
    code = _code(request.GET.get("via", "")[:16])
    if isinstance(request.user, User):
        response = _render(request, campaign, _link(campaign, code))
        patch_cache_control(response, private=True, no_cache=True)
        return response
    key = _widget_key(request, campaign, code)
    html = cache.get(key)
    if html is None:
        response = _render(request, campaign, _link(campaign, code))
        cache.set(key, response.content, WIDGET_CACHE_SECONDS)
    else:
        response = HttpResponse(html)
    patch_cache_control(response, public=True, max_age=WIDGET_MAX_AGE)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@embeddable
def sign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Sign in place, in one click, from the widget's button (CSRF-checked, see the module's
    docstring); a visitor who is not logged in gets the widget back unchanged."""
    campaign = _campaign(request, slug)
    if campaign is None:
        return _missing(request)
    link = _link(campaign, request.POST.get("via", "")[:16])
    pledge = Pledge.objects.filter(campaign=campaign).first()
    user = request.user
    if pledge is None or not isinstance(user, User):
        return _render(request, campaign, link)
    try:
        pledge_services.pledge_sign(
            user=user,
            pledge=pledge,
            via=link.code if link is not None else touched_code(request, campaign),
        )
    except ApplicationError as error:
        return _render(request, campaign, link, error=error.message)
    return _render(request, campaign, link, thanks=True)


@csrf_exempt  # See the module's docstring: the frame is anyone's, the e-mail confirms.
@require_POST
@embeddable
def guest_sign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Sign in the frame without an account: pending until the address confirms."""
    campaign = _campaign(request, slug)
    if campaign is None:
        return _missing(request)
    link = _link(campaign, request.POST.get("via", "")[:16])
    pledge = Pledge.objects.filter(campaign=campaign).select_related("campaign").first()
    if pledge is None or isinstance(request.user, User):
        # Someone logged in has the button (or the new tab) instead.
        return _render(request, campaign, link)
    form = GuestSignForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _render(request, campaign, link, status=400, guest_form=form)
    try:
        guest_services.guest_act(
            target=pledge,
            via=link.code if link is not None else touched_code(request, campaign),
            **guest_given(request, form),
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        # A campaign closed since the widget was rendered shows no form: the message alone.
        shown = {"guest_form": form} if permissions.can_act(campaign) else {"error": error.message}
        return _render(request, campaign, link, status=error.status_code, **shown)
    return _render(request, campaign, link, guest_pending=True)


@require_GET
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """The short form's target, top-level in a new tab, so with the visitor's own session:
    the organiser's link is remembered as on a share link's visit, then a logged-in visitor
    goes to the campaign and anyone else to the sign-up page, their e-mail address filled
    in, coming back to the campaign once their account exists."""
    campaign = campaign_selectors.campaign_get_for(slug=slug, user=request.user)
    link = _link(campaign, request.GET.get("via", "")[:16])
    if link is not None:
        arrive(request, link)
    back = campaign.get_absolute_url()
    if Pledge.objects.filter(campaign=campaign).exists():
        back += "#pledge"
    if isinstance(request.user, User):
        return redirect(back)
    query = {"next": back}
    email = request.GET.get("email", "").strip()[:254]
    if email:
        query["email"] = email
    return redirect(f"{reverse('account_signup')}?{urlencode(query)}")
