"""The mutual-aid board: essaim/aid's selectors and services."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from essaim.aid import selectors, services
from essaim.aid.models import AidListing
from essaim.api import presenters, schemas
from essaim.api.auth import READ, WRITE, actor, viewer
from essaim.api.pagination import Pagination, Presented
from essaim.communities.models import Community
from essaim.communities.selectors import communities_with_visible_content
from essaim.core.errors import NotFound

router = Router(tags=["aid"])
# The board shows what is still active unless asked for closed listings too, like the page.
ACTIVE = (AidListing.Status.OPEN, AidListing.Status.PROMISED)


class ListingFilters(Schema):
    q: str = schemas.Field("", max_length=200, pattern=schemas.NO_NUL, description="Search.")
    kind: schemas.ListingKind | None = None
    category: schemas.ListingCategory | None = None
    place: str = schemas.Field("", max_length=120, pattern=schemas.NO_NUL)
    community: str | None = schemas.Field(None, max_length=100, pattern=schemas.SLUG)
    closed: bool = schemas.Field(False, description="Include done, withdrawn, expired ones.")


def _community(user: Any, slug: str | None) -> Community | None:
    """A community filter or field: one whose content the caller may see, else 404 (the
    board page answers the same)."""
    if not slug:
        return None
    community = communities_with_visible_content(user).filter(slug=slug).first()
    if community is None:
        raise NotFound(_("This community does not exist."))
    return community


@router.get("/listings", response={200: list[schemas.Listing], **schemas.ERRORS}, auth=READ)
@paginate(Pagination)
def listing_list(request: HttpRequest, filters: Query[ListingFilters]) -> Presented:
    user = viewer(request)
    listings = selectors.listing_search(
        user=user,
        query=filters.q,
        kind=filters.kind or "",
        category=filters.category or "",
        place=filters.place,
        community=_community(user, filters.community),
        statuses=tuple(AidListing.Status.values) if filters.closed else ACTIVE,
        language=get_language() or "fr",
    )
    return Presented(listings, presenters.listing)


@router.post("/listings", response={201: schemas.Listing, **schemas.ERRORS}, auth=WRITE)
def listing_create(request: HttpRequest, data: schemas.ListingIn) -> Status[dict[str, Any]]:
    """Not idempotent: no Idempotency-Key is read, and sending twice creates two listings
    (retry only when no answer came back, after looking for it in the list)."""
    user = actor(request)
    listing = services.listing_create(
        author=user,
        kind=data.kind,
        category=data.category,
        title=data.title,
        body=data.body,
        place=data.place,
        community=_community(user, data.community),
        expires_at=data.expires_at,
    )
    return Status(201, presenters.listing(selectors.listing_get_for(pk=listing.pk, user=user)))


@router.get("/listings/{listing_id}", response={200: schemas.Listing, **schemas.ERRORS}, auth=READ)
def listing_detail(request: HttpRequest, listing_id: schemas.Id) -> dict[str, Any]:
    # As its page: its moderators read it held or hidden too (its `moderation` says which).
    listing = selectors.listing_get_for(pk=listing_id, user=viewer(request), moderated_too=True)
    return presenters.listing(listing)


@router.post(
    "/listings/{listing_id}/status",
    response={200: schemas.Listing, **schemas.ERRORS},
    auth=WRITE,
)
def listing_status(
    request: HttpRequest, listing_id: schemas.Id, data: schemas.ListingStatusIn
) -> dict[str, Any]:
    """open → promised → done; withdrawn by the author. Asking again changes nothing."""
    user = actor(request)
    listing = selectors.listing_get_for(pk=listing_id, user=user)
    services.listing_set_status(actor=user, listing=listing, status=data.status)
    return presenters.listing(selectors.listing_get_for(pk=listing_id, user=user))
