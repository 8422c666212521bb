"""Thin views over the board: selectors read, services write."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.aid import selectors, services
from essaim.aid.forms import ListingForm, SearchForm
from essaim.aid.models import AidListing
from essaim.communities.models import Community
from essaim.communities.selectors import communities_with_visible_content
from essaim.core import parts
from essaim.core.errors import NotFound
from essaim.core.http import HtmxHttpRequest

BOARD_PAGE_SIZE = 20
ACTIVE = (AidListing.Status.OPEN, AidListing.Status.PROMISED)


@require_GET
def listing_list(request: HtmxHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    filters: dict[str, Any] = {}
    community: Community | None = None
    if form.is_valid():
        data = form.cleaned_data
        if data["community"]:
            community = (
                communities_with_visible_content(request.user)
                .filter(slug=data["community"])
                .first()
            )
            if community is None:
                raise NotFound(_("This community does not exist."))
        filters = {
            "query": data["q"],
            "kind": data["kind"],
            "category": data["category"],
            "place": data["place"],
            "community": community,
            "statuses": tuple(AidListing.Status.values) if data["closed"] else ACTIVE,
            "near": data["point"],
            "radius_km": data["radius"],
        }
    else:
        filters = {"statuses": ACTIVE}
    # A place the geocoder does not know (or a radius out of range) is said, not ignored.
    # (Other odd filters fall back to the whole board, as before.)
    status = 400 if form.is_bound and ("near" in form.errors or "radius" in form.errors) else 200
    listings = selectors.listing_search(
        user=request.user, language=get_language() or "fr", **filters
    )
    page = Paginator(listings, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "community": community}
    if request.htmx:
        return render(request, "aid/listing_list.html#results", context, status=status)
    return render(request, "aid/listing_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def listing_create(request: HtmxHttpRequest) -> HttpResponse:
    user = person(request)
    initial = {"kind": request.GET.get("kind", AidListing.Kind.OFFER), "place": user.city}
    if request.GET.get("community"):
        initial["community"] = request.GET["community"]
    form = ListingForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            listing = services.listing_create(author=user, **form.cleaned_data)
            messages.success(request, _("Your listing is on the board."))
            return redirect(listing)
        return render(request, "aid/listing_form.html", {"form": form}, status=400)
    return render(request, "aid/listing_form.html", {"form": form})


@require_GET
def listing_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_get_for(pk=pk, user=request.user, moderated_too=True)
    is_author = request.user.is_authenticated and request.user.pk == listing.author_id
    context: dict[str, Any] = {
        "listing": listing,
        "is_author": is_author,
        "parts": parts.parts_for("aid.listing", viewer=request.user, listing=listing),
    }
    if is_author and listing.is_active:
        context["matches"] = selectors.matches_for(listing)
    return render(request, "aid/listing_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = person(request)
    listing = selectors.listing_get_for(pk=pk, user=user)
    if listing.author_id != user.pk:
        raise NotFound(_("This listing does not exist."))
    initial = {
        "kind": listing.kind,
        "category": listing.category,
        "title": listing.title,
        "body": listing.body,
        "place": listing.place,
        "community": listing.community.slug if listing.community else None,
        "expires_at": timezone.localtime(listing.expires_at).date() if listing.expires_at else None,
    }
    form = ListingForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.listing_update(actor=user, listing=listing, **form.cleaned_data)
            messages.success(request, _("Your listing is saved."))
            return redirect(listing)
        status = 400
    else:
        status = 200
    return render(
        request, "aid/listing_form.html", {"form": form, "listing": listing}, status=status
    )


@login_required
@require_POST
def listing_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = person(request)
    listing = selectors.listing_get_for(pk=pk, user=user)
    listing = services.listing_set_status(
        actor=user, listing=listing, status=request.POST.get("status", "")
    )
    if request.htmx:
        # The buttons in place, and the status badge at the top out of band.
        return render(request, "aid/_status_changed.html", {"listing": listing, "is_author": True})
    messages.success(request, _("The listing is updated."))
    return redirect(listing)
