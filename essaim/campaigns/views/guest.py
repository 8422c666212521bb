"""Signing without an account: the form's post, the page after it, and the confirmation page
the e-mail links to (see `services.guest`)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.models import User
from essaim.campaigns import guest_cookie, selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.guest_forms import GuestSignForm
from essaim.campaigns.models import Campaign, GuestAction, Pledge
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.views.actions import actions_context, pledge_of
from essaim.core import parts
from essaim.core.errors import NotFound, ValidationError
from essaim.core.http import HtmxHttpRequest, client_address

# The visitor's own guest signatures, {pledge id: guest signature id}: what the page after
# signing shows them, and nothing else.
SESSION_KEY = "guest_signatures"


def _pledge(request: HttpRequest, slug: str) -> tuple[Campaign, Pledge]:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    pledge = pledge_of(campaign)
    if pledge is None:
        raise NotFound(_("This campaign has no pledge."))
    return campaign, pledge


def _share_parts(person: User, campaign: Campaign) -> list[parts.Part]:
    """The guest's own share link, at once: relay's part, since campaigns sits below it."""
    return parts.parts_for("campaigns.guest.share", person=person, campaign=campaign)


def _pending_context(signature: GuestAction, campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "pledge": signature.pledge,
        "guest_signature": signature,
        "guest_status": guest_services.guest_signature_status(signature),
        "hours": guest_services.expiry().total_seconds() // 3600,
        "share_parts": _share_parts(signature.user, campaign),
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
        signature = guest_services.guest_sign(
            pledge=pledge,
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
    mine = request.session.get(SESSION_KEY, {})
    mine[str(pledge.pk)] = signature.pk
    request.session[SESSION_KEY] = mine
    if request.htmx:
        response = render(
            request, "campaigns/_guest_pending.html", _pending_context(signature, campaign)
        )
    else:
        response = redirect("campaigns:guest_signed", slug=campaign.slug)
    guest_cookie.remember(request, response, signature)
    return response


def returning_guest_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    """For the campaign's page: what an anonymous visitor signed here in this browser (its
    state and their share link, in place of the empty form), or nothing."""
    remembered = guest_cookie.remembered(request)
    signature = selectors.guest_action_remembered(
        campaign=campaign, kind=GuestAction.Kind.SIGN, remembered=remembered
    )
    if signature is None:
        return {}
    return _pending_context(signature, campaign)


@never_cache
@require_GET
def guest_signed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """After signing without JavaScript: pending until confirmed, and one's share link."""
    campaign, pledge = _pledge(request, slug)
    pk = request.session.get(SESSION_KEY, {}).get(str(pledge.pk))
    signature = (
        GuestAction.objects.select_related("pledge", "user").filter(pk=pk, pledge=pledge).first()
        if isinstance(pk, int)
        else None
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
        signature = guest_services.guest_signature_for_token(token=token, campaign=campaign)
        return render(
            request,
            "campaigns/guest_confirm.html",
            {
                "campaign": campaign,
                "pledge": signature.pledge,
                "already": signature.confirmed_at is not None,
                "share_parts": _share_parts(signature.user, campaign)
                if signature.confirmed_at
                else [],
            },
        )
    signature, confirmed = guest_services.guest_confirm(token=token, campaign=campaign)
    return render(
        request,
        "campaigns/guest_confirmed.html",
        {
            "campaign": campaign,
            "pledge": signature.pledge,
            "already": not confirmed,
            "share_parts": _share_parts(signature.user, campaign),
        },
    )
