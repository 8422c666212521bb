"""The hosts' pages: their campaign's webhooks and delivery log, and the widget's snippet.
Hosts only: anyone else gets the 404 of a campaign that does not exist. A page that shows a
secret is sent with `Cache-Control: no-store`, so no cache (the browser's included) keeps it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.models import Campaign
from essaim.core.errors import ValidationError
from essaim.core.site import absolute_url
from essaim.relay.services import link_for
from essaim.webhooks import selectors
from essaim.webhooks.forms import EndpointForm, PingForm
from essaim.webhooks.services import endpoints as services
from essaim.webhooks.services.sending import (
    DISABLE_AFTER_FAILING_FOR,
    DISABLE_AFTER_FAILURES,
    MAX_ATTEMPTS,
    REDELIVERABLE,
    retry_minutes,
)

DELIVERIES_PAGE_SIZE = 30


def _hosted(request: HttpRequest, slug: str) -> Campaign:
    return campaign_selectors.campaign_hosted_by(slug=slug, user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_list(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _hosted(request, slug)
    form = EndpointForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint, created = services.endpoint_create(
                    actor=person(request),
                    campaign=campaign,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                )
            except ValidationError as error:
                form.add_error("url", error.message)
            else:
                messages.success(
                    request,
                    _("Webhook registered. Give its secret to your receiver.")
                    if created
                    else _("This address was registered already: its events are updated."),
                )
                return redirect("webhooks:endpoint", slug=campaign.slug, pk=endpoint.pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "webhooks/endpoint_list.html",
        {
            "campaign": campaign,
            "endpoints": selectors.endpoints_of(campaign),
            "form": form,
            "retry_minutes": retry_minutes(),
            "max_attempts": MAX_ATTEMPTS,
            "disable_failures": DISABLE_AFTER_FAILURES,
            "disable_days": DISABLE_AFTER_FAILING_FOR.days,
        },
        status=status,
    )


@login_required
@require_GET
@cache_control(no_store=True)
def endpoint_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _hosted(request, slug)
    endpoint = selectors.endpoint_get(campaign=campaign, pk=pk)
    page = Paginator(selectors.deliveries_of(endpoint), DELIVERIES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "campaign": campaign,
            "endpoint": endpoint,
            "page": page,
            "ping_form": PingForm(),
            "previous_secret_until": selectors.previous_secret_until(endpoint),
            "redeliverable": [str(status) for status in REDELIVERABLE],
        },
    )


def _back(campaign: Campaign, pk: int) -> HttpResponse:
    return redirect("webhooks:endpoint", slug=campaign.slug, pk=pk)


@login_required
@require_POST
def endpoint_ping(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _hosted(request, slug)
    endpoint = selectors.endpoint_get(campaign=campaign, pk=pk)
    form = PingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This form has expired; try again."))
        return _back(campaign, endpoint.pk)
    try:
        services.endpoint_ping(
            actor=person(request), endpoint=endpoint, key=form.cleaned_data["key"]
        )
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Test ping sent: see the delivery log below."))
    return _back(campaign, endpoint.pk)


@login_required
@require_POST
def endpoint_enable(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _hosted(request, slug)
    endpoint = selectors.endpoint_get(campaign=campaign, pk=pk)
    services.endpoint_enable(actor=person(request), endpoint=endpoint)
    messages.success(request, _("The webhook is on again."))
    return _back(campaign, endpoint.pk)


@login_required
@require_POST
@cache_control(no_store=True)
def endpoint_rotate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _hosted(request, slug)
    endpoint = selectors.endpoint_get(campaign=campaign, pk=pk)
    endpoint = services.endpoint_secret_rotate(actor=person(request), endpoint=endpoint)
    expires = formats.date_format(
        timezone.localtime(endpoint.previous_secret_expires_at), "SHORT_DATETIME_FORMAT"
    )
    messages.success(
        request,
        _(
            "New secret generated: give it to your receiver. The previous one is still "
            "accepted until %(when)s."
        )
        % {"when": expires},
    )
    return _back(campaign, endpoint.pk)


@login_required
@require_POST
def endpoint_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _hosted(request, slug)
    endpoint = selectors.endpoint_get(campaign=campaign, pk=pk)
    services.endpoint_delete(actor=person(request), endpoint=endpoint)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhooks:list", slug=campaign.slug)


@login_required
@require_POST
def delivery_redeliver(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _hosted(request, slug)
    delivery = selectors.delivery_get(campaign=campaign, pk=pk)
    try:
        services.delivery_redeliver(actor=person(request), delivery=delivery)
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sent again: see its new status below."))
    return _back(campaign, delivery.endpoint_id)


@login_required
@require_GET
def widget_snippet(request: HttpRequest, slug: str) -> HttpResponse:
    """The snippet hosts paste into their site, carrying their own share code so that people
    the widget brings are credited to them, and a live preview of it."""
    campaign = _hosted(request, slug)
    code = link_for(user=person(request), campaign=campaign).code
    path = reverse("embed:widget", args=[campaign.slug]) + f"?via={code}"
    # The instance's public address (core.site): the one the host's visitors' browsers reach.
    return render(
        request,
        "webhooks/widget_snippet.html",
        {"campaign": campaign, "embed_path": path, "embed_url": absolute_url(path)},
    )
