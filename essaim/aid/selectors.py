"""Reads on the mutual-aid board, always scoped to the person asking."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.search import apply_search
from essaim.communities.models import Community
from essaim.communities.selectors import content_visible_q, moderated_q
from essaim.core.errors import NotFound
from essaim.core.models import Moderation, shown_q
from essaim.core.places import DEFAULT_RADIUS_KM, BoundingBox, Point, in_window, within
from essaim.core.text import normalise

MATCHES = 5


def listings_visible_to(user: User | AnonymousUser) -> QuerySet[AidListing]:
    """Instance-wide listings for everyone; a community's listings by the community rule."""
    return AidListing.objects.filter(Q(community__isnull=True) | content_visible_q(user)).filter(
        shown_q(user)
    )


def listing_get_for(
    *, pk: int, user: User | AnonymousUser, moderated_too: bool = False
) -> AidListing:
    """A listing `user` may see. `moderated_too` (its page, and the API's read of it): its
    moderators (`moderated_q`) read it held or hidden as well, in place, where the case page
    links; lists, replies and actions leave it out."""
    shown = shown_q(user) | moderated_q(user) if moderated_too else shown_q(user)
    listings = AidListing.objects.filter(Q(community__isnull=True) | content_visible_q(user), shown)
    try:
        return listings.select_related("author", "community").get(pk=pk)
    except AidListing.DoesNotExist as error:
        raise NotFound(_("This listing does not exist.")) from error


def listing_search(
    *,
    user: User | AnonymousUser,
    query: str = "",
    kind: str = "",
    category: str = "",
    place: str = "",
    community: Community | None = None,
    statuses: tuple[str, ...] = (AidListing.Status.OPEN,),
    language: str = "fr",
    near: Point | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> QuerySet[AidListing]:
    """The board: newest first, or best match first when there is a query (PostgreSQL), or
    nearest first (each with `distance_km`) when `near` is given. A listing's point is its
    commune's, never closer."""
    listings = listings_visible_to(user).filter(status__in=statuses)
    if kind:
        listings = listings.filter(kind=kind)
    if category:
        listings = listings.filter(category=category)
    if place:
        listings = listings.filter(search_text__contains=normalise(place))
    if community is not None:
        listings = listings.filter(community=community)
    listings = listings.select_related("author", "community").order_by("-created_at", "-pk")
    if query.strip():
        listings = apply_search(listings, query, language=language)
    if near is not None:
        listings = within(listings, near, radius_km)
    return listings


def listings_in_window(
    *, user: User | AnonymousUser, box: BoundingBox, statuses: tuple[str, ...]
) -> QuerySet[AidListing]:
    return in_window(listings_visible_to(user).filter(status__in=statuses), box)


def matches_for(
    listing: AidListing, *, limit: int = MATCHES, related_only: bool = False
) -> list[AidListing]:
    """Open listings of the opposite kind in the same category that the author can see,
    those sharing the most words (and the same place) first: "these requests match your
    offer". Bounded: compares with the latest 200 candidates in Python. `related_only` drops
    the fallback to the newest unrelated ones (notifications must not cry wolf)."""
    opposite = (
        AidListing.Kind.REQUEST if listing.kind == AidListing.Kind.OFFER else AidListing.Kind.OFFER
    )
    candidates = list(
        listings_visible_to(listing.author)
        .filter(kind=opposite, category=listing.category, status=AidListing.Status.OPEN)
        .exclude(author=listing.author)
        .select_related("author", "community")
        .order_by("-created_at", "-pk")[:200]
    )
    own_words = {word for word in listing.search_text.split() if len(word) > 3}
    own_place = normalise(listing.place)

    def score(candidate: AidListing) -> tuple[int, int, object]:
        shared = len(own_words & set(candidate.search_text.split()))
        same_place = int(bool(own_place) and normalise(candidate.place) == own_place)
        return (shared + 2 * same_place, same_place, candidate.created_at)

    ranked = sorted(candidates, key=score, reverse=True)
    related = [candidate for candidate in ranked if score(candidate)[0] > 0][:limit]
    return related if related or related_only else ranked[:limit]


def listings_of(author: User, viewer: User | AnonymousUser) -> QuerySet[AidListing]:
    return (
        listings_visible_to(viewer)
        .filter(author=author)
        .select_related("community")
        .order_by("-created_at", "-pk")
    )


def kept_listings_of(user: User) -> QuerySet[AidListing]:
    """The person's listings nobody took down: contributions toward trust (accounts.trust)."""
    return AidListing.objects.filter(author=user, moderation=Moderation.VISIBLE)
