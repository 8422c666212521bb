"""The home feed: one stream, newest first, merged from several sources.

Each source is a visibility-scoped queryset ordered by (created_at, id). A page takes the next
PAGE_SIZE rows of every source after the cursor, merges them and keeps the first PAGE_SIZE: at
most one query per source per page, however many people and communities one follows.
The cursor is the (created_at, kind rank, id) of the last item shown, so pages never repeat or
skip an item even when many share a timestamp, and new items arriving meanwhile do not shift
later pages (keyset pagination, no OFFSET).
"""

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Model, Q, QuerySet
from django.utils.dateparse import parse_datetime

from essaim.accounts.models import User, UserFollow
from essaim.accounts.selectors import people_active
from essaim.aid.models import AidListing
from essaim.aid.selectors import listings_visible_to
from essaim.campaigns.models import Campaign, CampaignUpdate
from essaim.campaigns.selectors import followed_campaign_ids
from essaim.communities.models import Community, CommunityFollow, Membership
from essaim.communities.selectors import annotate_posts, posts_visible_to
from essaim.core.models import shown_q

PAGE_SIZE = 20


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    rank: int
    pk: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.rank}|{self.pk}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> "Cursor | None":
        """None for a missing or malformed cursor: the feed then starts from the top."""
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            created, rank, pk = raw.split("|")
            when = parse_datetime(created)
            if when is None:
                return None
            return cls(created_at=when, rank=int(rank), pk=int(pk))
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass(frozen=True)
class FeedItem:
    kind: str  # "post", "listing" or "joined": picks the template
    obj: Any
    cursor: Cursor


@dataclass(frozen=True)
class Source:
    kind: str
    rank: int
    queryset: QuerySet[Any]


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None


def _after(cursor: Cursor | None, rank: int) -> Q:
    """Rows of a source of rank `rank` that come after `cursor` in (created_at, rank, id)
    descending order."""
    if cursor is None:
        return Q()
    same_time = Q(created_at=cursor.created_at)
    if rank < cursor.rank:
        return Q(created_at__lt=cursor.created_at) | same_time
    if rank == cursor.rank:
        return Q(created_at__lt=cursor.created_at) | (same_time & Q(pk__lt=cursor.pk))
    return Q(created_at__lt=cursor.created_at)


def _network(user: User) -> tuple[QuerySet[Any], QuerySet[Any], QuerySet[Any]]:
    """Subqueries: people `user` follows, communities they belong to, communities they follow."""
    followed_people = UserFollow.objects.filter(follower=user).values("followed_id")
    member_of = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values(
        "community_id"
    )
    following = CommunityFollow.objects.filter(user=user).values("community_id")
    return followed_people, member_of, following


def sources_for(user: User | AnonymousUser) -> list[Source]:
    """What the home feed of `user` is made of. Anonymous visitors get the public stream."""
    posts = posts_visible_to(user)
    listings = listings_visible_to(user).filter(
        status__in=[AidListing.Status.OPEN, AidListing.Status.PROMISED]
    )
    # Who joined which community is only news when it is public and the joiner is followed.
    joined = Membership.objects.filter(
        status=Membership.Status.ACTIVE,
        community__visibility=Community.Visibility.PUBLIC,
        user__is_active=True,
    ).select_related("user", "community")
    # News from campaigns: those one follows; for anonymous visitors, none.
    updates = CampaignUpdate.objects.none()
    if isinstance(user, User):
        updates = (
            CampaignUpdate.objects.filter(
                campaign_id__in=followed_campaign_ids(user), campaign__status=Campaign.Status.LIVE
            )
            .filter(shown_q(user))
            .select_related("campaign", "author")
        )
        people, member_of, following = _network(user)
        posts = posts.filter(
            Q(community_id__in=member_of)
            | Q(community_id__in=following)
            | Q(author_id__in=people)
            | Q(author=user)
        )
        # Listings of my communities and of people I follow, and instance-wide ones of my city.
        near_me = Q(community__isnull=True, place__icontains=user.city)
        listings = listings.filter(
            Q(community_id__in=member_of)
            | Q(author_id__in=people)
            | Q(author=user)
            | (near_me if user.city else Q(pk__in=[]))
        )
        joined = joined.filter(user_id__in=people)
    else:
        joined = joined.none()
    return [
        Source("post", 0, annotate_posts(posts, user)),
        Source("listing", 1, listings.select_related("author", "community")),
        Source("joined", 2, joined),
        Source("update", 3, updates),
    ]


def feed_page(user: User | AnonymousUser, *, cursor: str | None = None) -> FeedPage:
    after = Cursor.decode(cursor)
    candidates: list[FeedItem] = []
    for source in sources_for(user):
        rows: list[Model] = list(
            source.queryset.filter(_after(after, source.rank)).order_by("-created_at", "-pk")[
                : PAGE_SIZE + 1
            ]
        )
        candidates.extend(
            FeedItem(
                kind=source.kind,
                obj=row,
                cursor=Cursor(row.created_at, source.rank, row.pk),  # type: ignore[attr-defined]
            )
            for row in rows
        )
    candidates.sort(
        key=lambda item: (item.cursor.created_at, item.cursor.rank, item.cursor.pk), reverse=True
    )
    items = candidates[:PAGE_SIZE]
    has_more = len(candidates) > PAGE_SIZE
    return FeedPage(items=items, next_cursor=items[-1].cursor.encode() if has_more else None)


SUGGESTIONS = 6


def popular_communities(user: User | AnonymousUser, *, city: str = "") -> QuerySet[Any]:
    """Public communities with the most members, those of `city` first."""
    queryset = (
        Community.objects.filter(visibility=Community.Visibility.PUBLIC)
        .annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)
            )
        )
        .order_by("-member_count", "name")
    )
    if isinstance(user, User):
        queryset = queryset.exclude(
            pk__in=Membership.objects.filter(user=user).values("community_id")
        )
    if city:
        queryset = queryset.annotate(local=Q(city__iexact=city)).order_by(
            "-local", "-member_count", "name"
        )
    return queryset


def landing() -> dict[str, Any]:
    """What an anonymous visitor sees above the public stream."""
    return {
        "people": people_active().count(),
        "communities": Community.objects.count(),
        "popular": list(popular_communities(AnonymousUser())[:SUGGESTIONS]),
    }


def suggestions_for(user: User) -> dict[str, Any]:
    """For someone whose feed is empty: communities to join and people to follow."""
    people = (
        people_active()
        .exclude(pk=user.pk)
        .exclude(pk__in=UserFollow.objects.filter(follower=user).values("followed_id"))
        .annotate(follower_count=Count("follower_links"))
        .order_by("-follower_count", "display_name")
    )
    return {
        "communities": list(popular_communities(user, city=user.city)[:SUGGESTIONS]),
        "people": list(people[:SUGGESTIONS]),
    }
