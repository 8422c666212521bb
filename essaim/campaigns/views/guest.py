"""Acting without an account (signing, joining a challenge, answering an event): the form's
post, the page after it, the confirmation page the e-mail links to, and the personal pages a
confirmed guest reaches by their signed link — the ticket, the daily check-in (see
`services.guest`)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from essaim.campaigns.services import guest as guest_services
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


def _pending_context(signature: GuestAction, campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "pledge": signature.pledge,
        "guest_signature": signature,
        "guest_status": guest_services.guest_signature_status(signature),
        "hours": guest_services.expiry().total_seconds() // 3600,
        "share_parts": share_parts(signature.user, campaign),
    }


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


def _refused(
    request: HtmxHttpRequest, campaign: Campaign, form: GuestSignForm, status: int
) -> HttpResponse:
    """The form again with what to fix: in the panel for htmx (essaim.js swaps this 400 in
    place), on a page of its own without JavaScript."""
    if request.htmx:
        context = {"campaign": campaign, **actions_context(request, campaign, ("pledge",))}
        context["guest_form"] = form
        return render(request, "campaigns/_pledge.html", context, status=status)
    return render(
        request, "campaigns/guest_sign.html", {"campaign": campaign, "form": form}, status=status
    )


# Exempt from CSRF: the page every anonymous visitor shares (core.pagecache) carries no one's
# token, and a guest's post rides on no one's authority — what makes it count is the
# confirmation its address must give, whoever sent it. A logged-in visitor is refused here
# (they sign with the one-click button, which is checked).
@csrf_exempt
@require_POST
def guest_sign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    if request.user.is_authenticated:
        raise ValidationError(_("You are logged in: sign with the button of the pledge."))
    campaign, pledge = _pledge(request, slug)
    form = GuestSignForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _refused(request, campaign, form, 400)
    try:
        signature = guest_services.guest_act(
            target=pledge,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            postcode=form.cleaned_data["postcode"],
            hear_from_hosts=form.cleaned_data["hear_from_hosts"],
            via=touched_code(request, campaign),
            network=guest_services.network_of(client_address(request)),
            language=(get_language() or "fr")[:2],
        )
    except ValidationError as error:
        form.add_error(None, error.message)
        return _refused(request, campaign, form, error.status_code)
    if not signature.made_now:
        template = "_guest_pending.html" if request.htmx else "guest_signed.html"
        return render(request, f"campaigns/{template}", _withheld(signature))
    if request.htmx:
        response = render(
            request, "campaigns/_guest_pending.html", _pending_context(signature, campaign)
        )
    else:
        response = redirect("campaigns:guest_signed", slug=campaign.slug)
    guest_cookie.remember(request, response, signature)
    return response


def returning_guest_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    """For the campaign's page: what an anonymous visitor signed or joined here in this
    browser (its state and their share link, in place of the empty form), or nothing."""
    remembered = guest_cookie.remembered(request)
    if not remembered:
        return {}
    context: dict[str, Any] = {}
    joined = selectors.guest_action_remembered(
        campaign=campaign, kind=GuestAction.Kind.JOIN, remembered=remembered
    )
    if joined is not None:
        context = {**action_context(joined), "guest_join": joined}
    signature = selectors.guest_action_remembered(
        campaign=campaign, kind=GuestAction.Kind.SIGN, remembered=remembered
    )
    if signature is not None:
        context = {**context, **_pending_context(signature, campaign)}
    return context


@never_cache
@require_GET
def guest_signed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """After signing without JavaScript: pending until confirmed, and one's share link."""
    campaign, pledge = _pledge(request, slug)
    signature = selectors.guest_action_remembered(
        campaign=campaign,
        kind=GuestAction.Kind.SIGN,
        remembered=guest_cookie.remembered(request),
        target_id=pledge.pk,
    )
    if signature is None:
        return redirect(campaign)
    return render(request, "campaigns/guest_signed.html", _pending_context(signature, campaign))


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
            "share_parts": share_parts(action.user, campaign) if confirmed else [],
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
        "share_parts": share_parts(action.user, campaign),
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


def _act(
    request: HtmxHttpRequest,
    campaign: Campaign,
    target: Challenge | Event | Fundraiser,
    kind: str,
    panel: Any,
    form_class: type[GuestSignForm] = GuestSignForm,
) -> HttpResponse:
    """The post of a join or an RSVP form: the guest action, then its pending state (in the
    panel for htmx, on a page of its own otherwise); refused, the form again with what to fix
    (`panel(form)` renders the panel)."""
    if request.user.is_authenticated:
        raise ValidationError(_("You are logged in: use the button of the page."))
    form = (
        GuestSignForm(request.POST, campaign=campaign, kind=kind)
        if form_class is GuestSignForm
        else form_class(request.POST, campaign=campaign)
    )
    if form.is_valid():
        try:
            action = guest_services.guest_act(
                target=target,
                via=touched_code(request, campaign),
                **guest_given(request, form),
                **form.terms(),
            )
        except ValidationError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            if not action.made_now:
                template = "_guest_action_pending.html" if request.htmx else "guest_pending.html"
                return render(request, f"campaigns/{template}", _withheld(action))
            if request.htmx:
                response = render(
                    request, "campaigns/_guest_action_pending.html", action_context(action)
                )
            else:
                response = redirect(
                    "campaigns:guest_pending", slug=campaign.slug, kind=kind, pk=target.pk
                )
            guest_cookie.remember(request, response, action)
            return response
    else:
        status = 400
    # A fundraiser's form has a page of its own already: `panel` renders it either way.
    if request.htmx or kind == GuestAction.Kind.GIVE:
        return panel(form, status)
    return render(
        request,
        "campaigns/guest_action_form.html",
        {"campaign": campaign, "form": form, "kind": kind, "target": target},
        status=status,
    )


@csrf_exempt  # As `guest_sign`: the page is the anonymous crowd's, the e-mail confirms.
@require_POST
def guest_rsvp(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    event = selectors.event_get_for(campaign=campaign, pk=pk, user=request.user)

    def panel(form: GuestSignForm, status: int) -> HttpResponse:
        context = {**event_context(request, campaign, event), "guest_form": form}
        return render(request, "campaigns/_rsvp.html", context, status=status)

    return _act(request, campaign, event, GuestAction.Kind.RSVP, panel)


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

    return _act(request, campaign, challenge, GuestAction.Kind.JOIN, panel)


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
    action = selectors.guest_action_remembered(
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
    context: dict[str, Any] = {"personal_path": guest_services.guest_link_path(action)}
    if action.event is not None:
        rsvp = selectors.rsvp_of(action.event, action.user)
        context["rsvp"] = rsvp
        if rsvp is not None and rsvp.status == Rsvp.Status.WAITLISTED:
            context["rank"] = selectors.waitlist_rank(rsvp)
    return context


# The personal links ----------------------------------------------------------------------


def _ticket_context(request: HtmxHttpRequest, campaign: Campaign, token: str) -> dict[str, Any]:
    action = guest_services.guest_action_for_link(
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
        guest_services.guest_rsvp_cancel(token=token, campaign=campaign)
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
        action, _check = guest_services.guest_check_in(token=token, campaign=campaign)
    else:
        action = guest_services.guest_action_for_link(
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
