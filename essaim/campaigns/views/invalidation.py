"""Setting suspicious signatures aside: the page under the campaign's manage area where a host
or a moderator selects a batch, previews it, invalidates it and restores past ones (see
`services.invalidation`)."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.campaigns import permissions, selectors
from essaim.campaigns.forms import InvalidationForm
from essaim.campaigns.models import Campaign, Pledge, SignatureInvalidation
from essaim.campaigns.selectors.invalidation import (
    Criteria,
    invalidation_preview,
    invalidations_of,
)
from essaim.campaigns.services.invalidation import (
    criteria_clean,
    signatures_invalidate,
    signatures_restore,
)
from essaim.campaigns.views.actions import pledge_of
from essaim.core.errors import NotFound, ValidationError
from essaim.core.http import HtmxHttpRequest

TEMPLATE = "campaigns/invalidations.html"


def _campaign_and_pledge(request: HtmxHttpRequest, slug: str) -> tuple[Campaign, Pledge]:
    """The campaign if this person may set its signatures aside; for anyone else the page
    does not exist."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user, moderated_too=True)
    if not permissions.can_invalidate(request.user, campaign):
        raise NotFound(_("This page does not exist."))
    pledge = pledge_of(campaign)
    if pledge is None:
        raise NotFound(_("This campaign has no pledge."))
    return campaign, pledge


def _criteria(form: InvalidationForm) -> Criteria | None:
    """The form's criteria, or None with the form's errors said."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return criteria_clean(
            email_domain=data["email_domain"],
            network=data["network"],
            signed_from=data["signed_from"],
            signed_until=data["signed_until"],
        )
    except ValidationError as error:
        form.add_error(None, error.message)
        return None


def _context(
    request: HtmxHttpRequest, campaign: Campaign, pledge: Pledge, form: InvalidationForm
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "campaign": campaign,
        "pledge": pledge,
        "form": form,
        "batches": invalidations_of(pledge),
        "count": selectors.signature_count(pledge),
    }
    criteria = _criteria(form) if form.is_bound else None
    if criteria is not None:
        context["preview"], context["sample"] = invalidation_preview(
            pledge, criteria, person(request)
        )
        context["selects_everything"] = criteria.is_empty
    return context


@login_required
@require_http_methods(["GET", "POST"])
def invalidations(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: the form, with its preview once criteria are given (`?preview=1`: the form's
    Preview button, a plain GET without JavaScript, the preview alone with htmx). POST: the
    batch is invalidated."""
    campaign, pledge = _campaign_and_pledge(request, slug)
    if request.method == "GET":
        if "preview" in request.GET:
            form = InvalidationForm(request.GET)
        else:
            form = InvalidationForm(initial={"key": uuid.uuid4().hex})
        context = _context(request, campaign, pledge, form)
        if request.htmx and "preview" in request.GET:
            return render(request, "campaigns/_invalidation_preview.html", context)
        return render(request, TEMPLATE, context)
    form = InvalidationForm(request.POST)
    criteria = _criteria(form)
    if criteria is None:
        return render(request, TEMPLATE, _context(request, campaign, pledge, form), status=400)
    data = form.cleaned_data
    try:
        batch = signatures_invalidate(
            actor=person(request),
            pledge=pledge,
            criteria=criteria,
            reason=data["reason"],
            key=data["key"],
            everything=data["everything"],
        )
    except ValidationError as error:
        form.add_error(None, error.message)
        return render(request, TEMPLATE, _context(request, campaign, pledge, form), status=400)
    if batch is None:
        messages.info(request, _("No counted signature matches these criteria: nothing changed."))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s signature set aside: it no longer counts.",
                "%(count)s signatures set aside: they no longer count.",
                batch.count,
            )
            % {"count": number_format(batch.count)},
        )
    return redirect("campaigns:invalidations", slug=campaign.slug)


@login_required
@require_POST
def invalidation_restore(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign, pledge = _campaign_and_pledge(request, slug)
    batch = SignatureInvalidation.objects.filter(pk=pk, pledge=pledge).first()
    if batch is None:
        raise NotFound(_("This batch does not exist."))
    signatures_restore(actor=person(request), invalidation=batch)
    messages.success(request, _("The batch is restored: its signatures count again."))
    return redirect("campaigns:invalidations", slug=campaign.slug)
