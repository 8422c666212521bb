"""Acting without an account (signing, joining a challenge, answering an event): the form's
post, the page after it, the confirmation page the e-mail links to, and the personal pages a
confirmed guest reaches by their signed link — the ticket, the daily check-in (see
`services.guest`)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.campaigns import guest_cookie, permissions, selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.guest_forms import GuestGiveForm, GuestInKindForm, GuestSignForm
from essaim.campaigns.models import (
    Campaign,
    Challenge,
    Event,
    Fundraiser,
    GuestAction,
    Pledge,
    Rsvp,
)
from essaim.campaigns.selectors.guest import guest_action_remembered
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services import guest_links
from essaim.campaigns.views.actions import (
    actions_context,
    challenge_of,
    fundraiser_of,
    pledge_of,
)
from essaim.campaigns.views.events import event_context, ticket_svg
from essaim.campaigns.views.guest_context import action_context, share_parts
from essaim.core.errors import NotFound, ValidationError
from essaim.core.http import HtmxHttpRequest, client_address

# What a visitor did here without an account, the pages after it show them from the signed
# cookie the post sets (`campaigns.guest_cookie`), and nothing else.


def _pledge(request: HttpRequest, slug: str) -> tuple[Campaign, Pledge]:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    pledge = pledge_of(campaign)
    if pledge is None:
        raise NotFound(_("This campaign has no pledge."))
    return campaign, pledge


def _signature_context(signature: GuestAction) -> dict[str, Any]:
    """What the pledge's panel shows a guest of their signature: its state, their share link
    (no `action`: on the campaign's page that names the challenge a guest also joined)."""
    return {
        "campaign": signature.campaign,
        "pledge": signature.pledge,
        "guest_signature": signature,
        "guest_status": guest_services.guest_signature_status(signature),
        "hours": guest_services.expiry().total_seconds() // 3600,
        "share_parts": share_parts(signature),
    }


def _pending_context(action: GuestAction) -> dict[str, Any]:
    """What the page after a guest's action shows them: its state and their share link."""
    if action.kind == GuestAction.Kind.SIGN:
        return _signature_context(action)
    return action_context(action)


def _withheld(action: GuestAction) -> dict[str, Any]:
    """The answer to a form sent with an address whose action existed already: the same
    "check your e-mail" a new one gets, and nothing of that action's state, its owner's
    share link or personal link (whoever typed the address may not be its owner). The owner
    finds it all through the e-mails they were sent."""
    return {
        "campaign": action.campaign,
        "pledge": action.pledge,
        "action": action,
        "withheld": True,
        "guest_status": {},
        "hours": guest_services.expiry().total_seconds() // 3600,
        "share_parts": [],
    }


# Exempt from CSRF: the page every anonymous visitor shares (core.pagecache) carries no one's
# token, and a guest's post rides on no one's authority — what makes it count is the
# confirmation its address must give, whoever sent it. A logged-in visitor is refused here
# (they sign with the one-click button, which is checked).
@csrf_exempt
@require_POST
def guest_sign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign, pledge = _pledge(request, slug)

    def refused(form: GuestSignForm, status: int) -> HttpResponse:
        """The form again with what to fix: in the panel for htmx (essaim.js swaps this 400
        in place), on a page of its own without JavaScript."""
        if request.htmx:
            context = {"campaign": campaign, **actions_context(request, campaign, ("pledge",))}
            context["guest_form"] = form
            return render(request, "campaigns/_pledge.html", context, status=status)
        context = {"campaign": campaign, "form": form}
        return render(request, "campaigns/guest_sign.html", context, status=status)

    return _act(request, campaign, pledge, GuestAction.Kind.SIGN, refused)


def returning_guest_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    """For the campaign's page: what an anonymous visitor signed or joined here in this
    browser (its state and their share link, in place of the empty form), or nothing."""
    remembered = guest_cookie.remembered(request)
    if not remembered:
        return {}
    context: dict[str, Any] = {}
    joined = guest_action_remembered(
        campaign=campaign, kind=GuestAction.Kind.JOIN, remembered=remembered
    )
    if joined is not None:
        context = {**action_context(joined), "guest_join": joined}
    signature = guest_action_remembered(
        campaign=campaign, kind=GuestAction.Kind.SIGN, remembered=remembered
    )
    if signature is not None:
        context = {**context, **_signature_context(signature)}
    return context


@never_cache
@require_GET
def guest_signed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """After signing without JavaScript: pending until confirmed, and one's share link."""
    campaign, pledge = _pledge(request, slug)
    signature = guest_action_remembered(
        campaign=campaign,
        kind=GuestAction.Kind.SIGN,
        remembered=guest_cookie.remembered(request),
        target_id=pledge.pk,
    )
    if signature is None:
        return redirect(campaign)
    return render(request, "campaigns/guest_signed.html", _signature_context(signature))


# Never kept by a cache on the way: the page is one signer's, reached by their link.
@never_cache
@require_http_methods(["GET", "POST"])
def guest_confirm(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """The e-mail's link: GET shows one button and changes nothing (mail scanners open every
    link); only its POST confirms."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    if request.method == "GET":
        action = guest_services.guest_signature_for_token(token=token, campaign=campaign)
        confirmed = action.confirmed_at is not None
        context = {
            "campaign": campaign,
            "action": action,
            "pledge": action.pledge,
            "already": confirmed,
            "share_parts": share_parts(action) if confirmed else [],
        }
        if confirmed and action.kind in (GuestAction.Kind.JOIN, GuestAction.Kind.RSVP):
            context.update(_confirmed_context(action))
        return render(request, "campaigns/guest_confirm.html", context)
    action, confirmed = guest_services.guest_confirm(token=token, campaign=campaign)
    context = {
        "campaign": campaign,
        "action": action,
        "pledge": action.pledge,
        "already": not confirmed,
        "share_parts": share_parts(action),
    }
    if action.kind in (GuestAction.Kind.JOIN, GuestAction.Kind.RSVP):
        context.update(_confirmed_context(action))
    return render(request, "campaigns/guest_confirmed.html", context)


# Joining a challenge, answering an event -------------------------------------------------


def guest_given(request: HttpRequest, form: GuestSignForm) -> dict[str, Any]:
    """What `guest_act` takes from a valid form and its request (the widget's form too)."""
    return {
        "email": form.cleaned_data["email"],
        "name": form.cleaned_data["name"],
        "postcode": form.cleaned_data["postcode"],
        "hear_from_hosts": form.cleaned_data["hear_from_hosts"],
        "network": guest_services.network_of(client_address(request)),
        "language": (get_language() or "fr")[:2],
    }


# Per kind, the fragment (htmx) and the page (without JavaScript) that show a pending action.
_PENDING_TEMPLATES: dict[str, tuple[str, str]] = {
    GuestAction.Kind.SIGN: ("_guest_pending.html", "guest_signed.html")
}
_OTHER_PENDING_TEMPLATES = ("_guest_action_pending.html", "guest_pending.html")


def _pending_url(
    campaign: Campaign, kind: str, target: Pledge | Challenge | Event | Fundraiser
) -> str:
    if kind == GuestAction.Kind.SIGN:
        return reverse("campaigns:guest_signed", args=[campaign.slug])
    return reverse("campaigns:guest_pending", args=[campaign.slug, kind, target.pk])


def _act(
    request: HtmxHttpRequest,
    campaign: Campaign,
    target: Pledge | Challenge | Event | Fundraiser,
    kind: str,
    refused: Callable[[GuestSignForm, int], HttpResponse],
    form_class: type[GuestSignForm] = GuestSignForm,
) -> HttpResponse:
    """The post of a guest form, whatever its kind: the guest action, then its pending state
    (in the panel for htmx, on a page of its own otherwise); refused, `refused(form, status)`
    shows the form again with what to fix."""
    if request.user.is_authenticated:
        if kind == GuestAction.Kind.SIGN:
            raise ValidationError(_("You are logged in: sign with the button of the pledge."))
        raise ValidationError(_("You are logged in: use the button of the page."))
    form = form_class(request.POST, campaign=campaign, kind=kind)
    if not form.is_valid():
        return refused(form, 400)
    try:
        action = guest_services.guest_act(
            target=target,
            via=touched_code(request, campaign),
            **guest_given(request, form),
            **form.terms(),
        )
    except ValidationError as error:
        form.add_error(None, error.message)
        return refused(form, error.status_code)
    fragment, page = _PENDING_TEMPLATES.get(kind, _OTHER_PENDING_TEMPLATES)
    if not action.made_now:
        template = fragment if request.htmx else page
        return render(request, f"campaigns/{template}", _withheld(action))
    if request.htmx:
        response = render(request, f"campaigns/{fragment}", _pending_context(action))
    else:
        response = redirect(_pending_url(campaign, kind, target))
    guest_cookie.remember(request, response, action)
    return response


def _form_page(
    request: HtmxHttpRequest,
    campaign: Campaign,
    target: Challenge | Event,
    kind: str,
    panel: Callable[[GuestSignForm, int], HttpResponse],
) -> Callable[[GuestSignForm, int], HttpResponse]:
    """A join's or an RSVP's refusal: the panel for htmx, a page of its own without
    JavaScript."""

    def refused(form: GuestSignForm, status: int) -> HttpResponse:
        if request.htmx:
            return panel(form, status)
        context = {"campaign": campaign, "form": form, "kind": kind, "target": target}
        return render(request, "campaigns/guest_action_form.html", context, status=status)

    return refused


@csrf_exempt  # As `guest_sign`: the page is the anonymous crowd's, the e-mail confirms.
@require_POST
def guest_rsvp(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    event = selectors.event_get_for(campaign=campaign, pk=pk, user=request.user)

    def panel(form: GuestSignForm, status: int) -> HttpResponse:
        context = {**event_context(request, campaign, event), "guest_form": form}
        return render(request, "campaigns/_rsvp.html", context, status=status)

    kind = GuestAction.Kind.RSVP
    return _act(request, campaign, event, kind, _form_page(request, campaign, event, kind, panel))


@csrf_exempt  # As `guest_sign`.
@require_POST
def guest_join(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    challenge = challenge_of(campaign)
    if challenge is None:
        raise NotFound(_("This campaign has no challenge."))

    def panel(form: GuestSignForm, status: int) -> HttpResponse:
        context = {
            "campaign": campaign,
            **actions_context(request, campaign, ("challenge",)),
            "guest_form": form,
        }
        return render(request, "campaigns/_challenge.html", context, status=status)

    kind = GuestAction.Kind.JOIN
    refused = _form_page(request, campaign, challenge, kind, panel)
    return _act(request, campaign, challenge, kind, refused)


def _fundraiser(request: HttpRequest, slug: str) -> tuple[Campaign, Fundraiser]:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    fundraiser = fundraiser_of(campaign)
    if fundraiser is None:
        raise NotFound(_("This campaign has no fundraiser."))
    return campaign, fundraiser


def _gift_page(
    request: HtmxHttpRequest,
    campaign: Campaign,
    fundraiser: Fundraiser,
    form: GuestSignForm,
    kind: str,
    status: int = 200,
) -> HttpResponse:
    """A fundraiser's form for visitors without an account: its section alone for htmx (the
    400 swapped in place), the page otherwise."""
    context = {"campaign": campaign, "fundraiser": fundraiser, "form": form, "kind": kind}
    if request.htmx:
        return render(request, "campaigns/_guest_gift_form.html", context, status=status)
    return render(request, "campaigns/guest_gift.html", context, status=status)


# Never kept by a cache on the way: the page draws the form's own idempotency key, and the
# shared campaign page (core.pagecache) only links here.
@never_cache
@csrf_exempt  # As `guest_sign`: the payment provider's confirmation is what makes it count.
@require_http_methods(["GET", "POST"])
def guest_give(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A gift of money without an account (`services.guest.guest_give`)."""
    if request.user.is_authenticated:
        return redirect("campaigns:give", slug=slug)
    campaign, fundraiser = _fundraiser(request, slug)
    if request.method == "GET":
        form = GuestGiveForm(campaign=campaign)
        return _gift_page(request, campaign, fundraiser, form, "money")
    form = GuestGiveForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _gift_page(request, campaign, fundraiser, form, "money", 400)
    try:
        donation = guest_services.guest_give(
            fundraiser=fundraiser,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            amount=form.cleaned_data["amount"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            via=touched_code(request, campaign),
            language=(get_language() or "fr")[:2],
        )
    except ValidationError as error:
        form.add_error(None, error.message)
        return _gift_page(request, campaign, fundraiser, form, "money", error.status_code)
    context = {"campaign": campaign, "fundraiser": fundraiser, "donation": donation}
    template = "campaigns/_guest_gave.html" if request.htmx else "campaigns/guest_gave.html"
    return render(request, template, context)


@never_cache
@csrf_exempt  # As `guest_sign`: the e-mail's confirmation is what records it.
@require_http_methods(["GET", "POST"])
def guest_in_kind(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Goods offered without an account: pending until the address confirms them."""
    if request.user.is_authenticated:
        raise ValidationError(_("You are logged in: write to the hosts to offer goods."))
    campaign, fundraiser = _fundraiser(request, slug)
    if request.method == "GET":
        form = GuestInKindForm(campaign=campaign)
        return _gift_page(request, campaign, fundraiser, form, "in_kind")

    def panel(form: GuestSignForm, status: int) -> HttpResponse:
        return _gift_page(request, campaign, fundraiser, form, "in_kind", status)

    return _act(
        request, campaign, fundraiser, GuestAction.Kind.GIVE, panel, form_class=GuestInKindForm
    )


@never_cache
@require_GET
def guest_pending(request: HtmxHttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    """After joining or answering without JavaScript: pending until confirmed."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    action = guest_action_remembered(
        campaign=campaign,
        kind=kind,
        remembered=guest_cookie.remembered(request),
        target_id=pk,
    )
    if action is None:
        return redirect(campaign)
    return render(request, "campaigns/guest_pending.html", action_context(action))


def _confirmed_context(action: GuestAction) -> dict[str, Any]:
    """What a confirmed guest sees of their join or RSVP: where it stands, and their
    personal link (the only way back to it without an account)."""
    context: dict[str, Any] = {"personal_path": guest_links.guest_link_path(action)}
    if action.event is not None:
        rsvp = selectors.rsvp_of(action.event, action.user)
        context["rsvp"] = rsvp
        if rsvp is not None and rsvp.status == Rsvp.Status.WAITLISTED:
            context["rank"] = selectors.waitlist_rank(rsvp)
    return context


# The personal links ----------------------------------------------------------------------


def _ticket_context(request: HtmxHttpRequest, campaign: Campaign, token: str) -> dict[str, Any]:
    action = guest_links.guest_action_for_link(
        token=token, campaign=campaign, kind=GuestAction.Kind.RSVP
    )
    event = action.event
    if event is None:
        raise NotFound(_("This event does not exist."))
    rsvp = selectors.rsvp_of(event, action.user)
    return {
        "campaign": campaign,
        "event": event,
        "person": action.user,
        "rsvp": rsvp,
        "rank": selectors.waitlist_rank(rsvp)
        if rsvp is not None and rsvp.status == Rsvp.Status.WAITLISTED
        else None,
        "token": token,
        "is_over": event.ends_at <= timezone.now(),
    }


# Never kept by a cache on the way: the page is one guest's, reached by their link.
@never_cache
@require_http_methods(["GET", "POST"])
def guest_ticket(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """A guest's ticket: their place or their rank on the waiting list, the QR code the hosts
    scan; its POST gives the place back (`rsvp_cancel`)."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    if request.method == "POST":
        guest_links.guest_rsvp_cancel(token=token, campaign=campaign)
        return redirect(request.path)
    return render(request, "campaigns/guest_ticket.html", _ticket_context(request, campaign, token))


@never_cache
@require_GET
def guest_ticket_code(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """The QR code of a guest's ticket (as `events.my_ticket`'s)."""
    context = _ticket_context(
        request, selectors.campaign_get_for(slug=slug, user=request.user), token
    )
    rsvp = context["rsvp"]
    if rsvp is None or rsvp.status != Rsvp.Status.CONFIRMED:
        raise NotFound(_("You have no confirmed place at this event."))
    response = HttpResponse(ticket_svg(rsvp, slug), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def guest_check_in(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """A guest's daily check-in: the day's prompt, their progress and one button; its POST
    checks in for today (`check_in`: once a day, whatever is repeated)."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    if request.method == "POST":
        action, _check = guest_links.guest_check_in(token=token, campaign=campaign)
    else:
        action = guest_links.guest_action_for_link(
            token=token, campaign=campaign, kind=GuestAction.Kind.JOIN
        )
    challenge = action.challenge
    if challenge is None:
        raise NotFound(_("This campaign has no challenge."))
    if request.method == "POST" and not request.htmx:
        return redirect(request.path)
    context = {
        "campaign": campaign,
        "challenge": challenge,
        "person": action.user,
        "challenge_state": selectors.challenge_summary(challenge),
        "progress": selectors.challenge_progress(challenge, action.user),
        "can_act": permissions.can_act(campaign),
    }
    template = "campaigns/_guest_check_in.html" if request.htmx else "campaigns/guest_check_in.html"
    return render(request, template, context)
