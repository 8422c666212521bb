"""The one-click actions: sign, join and check in, give. Each works as a plain form post and
as an htmx request that swaps its panel in place."""

from datetime import timedelta
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.campaigns import permissions, selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.forms import GiveForm, InKindForm, SignForm
from essaim.campaigns.models import (
    Campaign,
    Challenge,
    Donation,
    Fundraiser,
    InKindPledge,
    Pledge,
    Signature,
)
from essaim.campaigns.payments import PaymentError, provider
from essaim.campaigns.selectors import UNKNOWN, Unknown
from essaim.campaigns.services import challenge as challenge_services
from essaim.campaigns.services import fundraising
from essaim.campaigns.services import pledge as pledge_services
from essaim.core.errors import NotFound, ValidationError
from essaim.core.http import HtmxHttpRequest, redirect_back

LEDGER_PAGE_SIZE = 50
# How long each process keeps the pledge panel every signer is answered (`_signed_panel_key`).
SIGNED_PANEL_SECONDS = 1


def pledge_of(campaign: Campaign) -> Pledge | None:
    # Read with the campaign (`selectors.campaign_get_for`).
    try:
        return campaign.pledge
    except Pledge.DoesNotExist:
        return None


def challenge_of(campaign: Campaign) -> Challenge | None:
    return Challenge.objects.filter(campaign=campaign).first()


def fundraiser_of(campaign: Campaign) -> Fundraiser | None:
    return Fundraiser.objects.filter(campaign=campaign).first()


PANELS = ("pledge", "challenge", "fundraiser")


def actions_context(
    request: HttpRequest,
    campaign: Campaign,
    panels: tuple[str, ...] = PANELS,
    *,
    signature: Signature | Unknown | None = UNKNOWN,
) -> dict[str, Any]:
    """What the action panels show, for the person asking; only `panels` are computed (after
    a one-click action, htmx re-renders one panel: the others cost nothing). `signature`:
    the person's, when the view has just written it."""
    context: dict[str, Any] = {"can_act": permissions.can_act(campaign)}
    pledge = pledge_of(campaign) if "pledge" in panels else None
    if pledge is not None:
        context["pledge"] = pledge
        context["pledge_state"] = selectors.pledge_summary(pledge, request.user, mine=signature)
    challenge = challenge_of(campaign) if "challenge" in panels else None
    if challenge is not None:
        context["challenge"] = challenge
        context["challenge_state"] = selectors.challenge_summary(challenge)
        context["progress"] = selectors.challenge_progress(challenge, request.user)
        context["challenge_board"] = selectors.challenge_leaderboard_by_community(challenge, 5)
    fundraiser = fundraiser_of(campaign) if "fundraiser" in panels else None
    if fundraiser is not None:
        context["fundraiser"] = fundraiser
        context["totals"] = selectors.fundraiser_totals(fundraiser)
        context["give_form"] = GiveForm()
    return context


def _signed_panel_key(campaign: Campaign, context: dict[str, Any]) -> str | None:
    """The key of the pledge panel a signer is answered, made of all it shows: the same for
    every signer of the pledge (it holds no token: `token_in_headers`); None for a panel of
    one person's own (not signed, or their signature set aside)."""
    state = context.get("pledge_state")
    if state is None or not state["signed"] or state["set_aside"]:
        return None
    pledge = context["pledge"]
    return make_template_fragment_key(
        "campaigns:signed-panel",
        [
            get_language(),
            campaign.slug,
            pledge.pk,
            pledge.updated_at.isoformat(),  # its text and goals
            context["can_act"],
            state["count"],
            tuple(signer.display_name for signer in state["recent"]),
        ],
    )


def _panel(
    request: HtmxHttpRequest,
    campaign: Campaign,
    panel: str,
    *,
    signature: Signature | Unknown | None = UNKNOWN,
) -> HttpResponse:
    context = {
        "campaign": campaign,
        **actions_context(request, campaign, (panel,), signature=signature),
        # Swapped by htmx into the person's page, whose body sends the CSRF token with
        # every htmx request (base.html's hx-headers): the panel's forms need none of
        # their own, so the answer masks no new token and sends no cookie back.
        "token_in_headers": True,
    }
    # Every click of a viral petition is answered the same signed panel: each process
    # renders it once per count (the settle moves it about once a second).
    key = _signed_panel_key(campaign, context) if panel == "pledge" else None
    if key is None:
        return render(request, f"campaigns/_{panel}.html", context)
    content = caches["process"].get(key)
    if content is None:
        content = render(request, "campaigns/_pledge.html", context).content
        caches["process"].set(key, content, SIGNED_PANEL_SECONDS)
    return HttpResponse(content)


def _campaign(request: HttpRequest, slug: str) -> Campaign:
    return selectors.campaign_get_for(slug=slug, user=request.user)


@login_required
@require_POST
def pledge_sign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    pledge = pledge_of(campaign)
    if pledge is None:
        raise NotFound(_("This campaign has no pledge."))
    form = SignForm(request.POST)
    show_name = form.is_valid() and form.cleaned_data["show_name"]
    signature = pledge_services.pledge_sign(
        user=person(request),
        pledge=pledge,
        show_name=show_name,
        via=touched_code(request, campaign),
    )
    if request.htmx:
        return _panel(request, campaign, "pledge", signature=signature)
    messages.success(request, _("Thank you for signing!"))
    return redirect_back(request, fallback=campaign.get_absolute_url())


@login_required
@require_POST
def pledge_unsign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    pledge = pledge_of(campaign)
    if pledge is None:
        raise NotFound(_("This campaign has no pledge."))
    pledge_services.pledge_unsign(user=person(request), pledge=pledge)
    if request.htmx:
        return _panel(request, campaign, "pledge", signature=None)
    messages.info(request, _("Your signature is withdrawn."))
    return redirect_back(request, fallback=campaign.get_absolute_url())


@login_required
@require_POST
def challenge_join(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    challenge = challenge_of(campaign)
    if challenge is None:
        raise NotFound(_("This campaign has no challenge."))
    challenge_services.challenge_join(
        user=person(request), challenge=challenge, via=touched_code(request, campaign)
    )
    if request.htmx:
        return _panel(request, campaign, "challenge")
    messages.success(request, _("You are in the challenge!"))
    return redirect_back(request, fallback=campaign.get_absolute_url())


@login_required
@require_POST
def challenge_check_in(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    challenge = challenge_of(campaign)
    if challenge is None:
        raise NotFound(_("This campaign has no challenge."))
    today = timezone.localdate()
    day = today - timedelta(days=1) if request.POST.get("day") == "yesterday" else today
    challenge_services.check_in(user=person(request), challenge=challenge, day=day)
    if request.htmx:
        return _panel(request, campaign, "challenge")
    messages.success(request, _("Checked in. Keep it up!"))
    return redirect_back(request, fallback=campaign.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def give(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    fundraiser = fundraiser_of(campaign)
    if fundraiser is None:
        raise NotFound(_("This campaign has no fundraiser."))
    form = GiveForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                donation = fundraising.donation_give(
                    user=person(request),
                    fundraiser=fundraiser,
                    amount=form.cleaned_data["amount"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    anonymous=form.cleaned_data["anonymous"],
                    via=touched_code(request, campaign),
                )
            except ValidationError as error:
                # A replayed form with other terms is a conflict (409), as in the API.
                form.add_error(None, error.message)
                status = error.status_code
            else:
                if donation.status == donation.Status.SUCCEEDED:
                    messages.success(request, _("Thank you for your gift!"))
                return redirect(campaign)
        else:
            status = 400
        return render(
            request,
            "campaigns/give.html",
            {"campaign": campaign, "fundraiser": fundraiser, "form": form},
            status=status,
        )
    return render(
        request,
        "campaigns/give.html",
        {"campaign": campaign, "fundraiser": fundraiser, "form": form},
    )


@require_GET
def fundraiser_ledger(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    fundraiser = fundraiser_of(campaign)
    if fundraiser is None:
        raise NotFound(_("This campaign has no fundraiser."))
    page = Paginator(selectors.ledger(fundraiser), LEDGER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "campaigns/ledger.html",
        {
            "campaign": campaign,
            "fundraiser": fundraiser,
            "page": page,
            "totals": selectors.fundraiser_totals(fundraiser),
            "in_kind": fundraiser.in_kind.exclude(status=InKindPledge.Status.CANCELLED).order_by(
                "-created_at"
            ),
            "in_kind_form": InKindForm(),
            "is_host": permissions.is_host(request.user, campaign),
        },
    )


@login_required
@require_POST
def in_kind_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(request, slug)
    fundraiser = fundraiser_of(campaign)
    if fundraiser is None:
        raise NotFound(_("This campaign has no fundraiser."))
    form = InKindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the in-kind pledge: every field is needed."))
    else:
        fundraising.in_kind_create(
            actor=person(request), fundraiser=fundraiser, **form.cleaned_data
        )
        messages.success(request, _("In-kind pledge recorded."))
    return redirect("campaigns:ledger", slug=campaign.slug)


Entry = TypeVar("Entry", Donation, InKindPledge)


def _ledger_entry(model: type[Entry], campaign: Campaign, pk: int, missing: str) -> Entry:
    """A gift or an in-kind pledge of this campaign's fundraiser, else NotFound."""
    entry = (
        model._default_manager.filter(fundraiser__campaign=campaign, pk=pk)
        .select_related("fundraiser__campaign")
        .first()
    )
    if entry is None:
        raise NotFound(missing)
    return entry


@login_required
@require_POST
def in_kind_deliver(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _campaign(request, slug)
    pledge = _ledger_entry(InKindPledge, campaign, pk, _("This pledge does not exist."))
    fundraising.in_kind_deliver(actor=person(request), pledge=pledge)
    messages.success(request, _("Marked as delivered."))
    return redirect("campaigns:ledger", slug=campaign.slug)


@login_required
@require_POST
def donation_refund(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _campaign(request, slug)
    donation = _ledger_entry(Donation, campaign, pk, _("This gift does not exist."))
    fundraising.donation_refund(actor=person(request), donation=donation)
    messages.success(request, _("The gift is refunded."))
    return redirect("campaigns:ledger", slug=campaign.slug)


@csrf_exempt  # called by the payment provider, authenticated by its signature
@require_POST
def payment_webhook(request: HttpRequest, provider_name: str) -> HttpResponse:
    try:
        payments = provider(provider_name)
    except KeyError as error:
        raise NotFound(_("Unknown payment provider.")) from error
    try:
        event = payments.parse_webhook(
            payload=request.body, signature=request.headers.get("X-Signature", "")
        )
    except (PaymentError, ValueError, KeyError) as error:
        raise ValidationError(_("This notification is not valid.")) from error
    fundraising.donation_settle(reference=event.reference, status=event.status)
    return HttpResponse(status=204)
