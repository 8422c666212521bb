"""Reads on communities, always scoped to the person asking.

The one rule every domain reuses: the content of a community (posts, listings, members) is
visible to everyone when the community is public, and only to its active members when private.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.models import User
from essaim.accounts.permissions import can_moderate_instance
from essaim.communities import permissions
from essaim.communities.models import (
    Comment,
    Community,
    CommunityFollow,
    Membership,
    Post,
    PostReaction,
)
from essaim.core.errors import NotFound
from essaim.core.models import Moderation, shown_q
from essaim.core.places import BoundingBox, Point, in_window, within
from essaim.core.share_card import ShareText


def active_community_ids(user: User | AnonymousUser) -> "QuerySet[Membership, int]":
    """Ids of the communities `user` is an active member of (a subquery, not a list)."""
    if not user.is_authenticated:
        return Membership.objects.none().values_list("community_id", flat=True)
    return Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
        "community_id", flat=True
    )


def content_visible_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    """Q on a model with a `community` relation (reached through `prefix`) keeping rows `user`
    may see. `prefix` is e.g. "post__" for comments."""
    public = Q(**{f"{prefix}community__visibility": Community.Visibility.PUBLIC})
    if not user.is_authenticated:
        return public
    return public | Q(**{f"{prefix}community_id__in": active_community_ids(user)})


def moderated_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    """Q keeping the rows `user` moderates, whatever their moderation state (held, hidden): a
    community's owners and moderators its content (reached through `prefix`), the instance's
    moderators all of it. With `shown_q`, a moderator reads held content in place, where the
    case page links; others still see only what is visible or their own."""
    if can_moderate_instance(user):
        # Not Q(): an empty Q vanishes from `shown_q(user) | moderated_q(user)`.
        return Q(pk__isnull=False)
    if not user.is_authenticated:
        return Q(pk__in=[])
    managed = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role__in=permissions.MANAGERS
    ).values("community_id")
    return Q(**{f"{prefix}community_id__in": managed})


def communities_with_visible_content(user: User | AnonymousUser) -> QuerySet[Community]:
    visible = Q(visibility=Community.Visibility.PUBLIC)
    if user.is_authenticated:
        visible |= Q(pk__in=active_community_ids(user))
    return Community.objects.filter(visible)


def posts_visible_to(user: User | AnonymousUser) -> QuerySet[Post]:
    """Posts of the communities `user` may read, without what the moderators took down (its
    author still sees it, labelled)."""
    return Post.objects.filter(content_visible_q(user)).filter(shown_q(user))


def _count_of(rows: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT per outer row. Unlike Count() over joins, it needs no GROUP BY on
    every selected column, does not multiply likes by comments, and the database computes it
    only for the rows a page keeps."""
    counted = rows.order_by().values("post").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def annotate_posts(posts: QuerySet[Post], user: User | AnonymousUser) -> QuerySet[Post]:
    """What every list of posts shows: author and community in the same query, like and
    comment counts, and whether `user` likes each one — a fixed number of queries per page."""
    liked_by_me: Exists | Value = Value(False)
    if user.is_authenticated:
        liked_by_me = Exists(PostReaction.objects.filter(post=OuterRef("pk"), user=user))
    return posts.select_related("author", "community").annotate(
        like_count=_count_of(PostReaction.objects.filter(post=OuterRef("pk"))),
        comment_count=_count_of(
            Comment.objects.filter(post=OuterRef("pk"), moderation=Moderation.VISIBLE)
        ),
        liked_by_me=liked_by_me,
    )


def community_get(*, slug: str) -> Community:
    """Any community by its address: private ones exist for everyone, by name only."""
    try:
        return Community.objects.select_related("created_by").get(slug=slug)
    except Community.DoesNotExist as error:
        raise NotFound(_("This community does not exist.")) from error


@dataclass(frozen=True)
class CommunityAccess:
    """A community as one person may approach it: `can_view_content` False means they see its
    name (and a join button) and nothing else."""

    community: Community
    membership: Membership | None
    can_view_content: bool


def community_get_for(*, slug: str, user: User | AnonymousUser) -> CommunityAccess:
    """The community at `slug` with the viewer's membership. Pages of a private community's
    content call `content_get_for` instead, which answers NotFound to outsiders."""
    community = community_get(slug=slug)
    membership = permissions.membership_of(user, community)
    return CommunityAccess(
        community=community,
        membership=membership,
        can_view_content=permissions.can_view_content(community, membership),
    )


def content_get_for(*, slug: str, user: User | AnonymousUser) -> CommunityAccess:
    """Like community_get_for, for every URL under a community (members, posts, edit, likes):
    an outsider of a private community gets NotFound, as if it did not exist."""
    access = community_get_for(slug=slug, user=user)
    if not access.can_view_content:
        raise NotFound(_("This community does not exist."))
    return access


def community_directory(user: User | AnonymousUser, *, query: str = "") -> QuerySet[Community]:
    """Every community, with member counts; templates show a private community's name alone
    unless `is_member` is set (private ones are listed by name: their existence is public,
    their content is not)."""
    is_member: Exists | Value = Value(False)
    if user.is_authenticated:
        is_member = Exists(
            Membership.objects.filter(
                community=OuterRef("pk"), user=user, status=Membership.Status.ACTIVE
            )
        )
    communities = Community.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)),
        is_member=is_member,
    ).order_by("-is_member", "name")
    if query:
        # A private community's city is part of what outsiders do not see: matching on it
        # would tell them where it is.
        city_visible = Q(visibility=Community.Visibility.PUBLIC) | Q(is_member=True)
        communities = communities.filter(
            Q(name__icontains=query) | (Q(city__icontains=query) & city_visible)
        )
    return communities


def _placed_for(user: User | AnonymousUser) -> QuerySet[Community]:
    """The directory's communities whose place `user` may know: a private community's place is
    for its members only, so outsiders never find it by distance nor on the map."""
    return community_directory(user).filter(
        Q(visibility=Community.Visibility.PUBLIC) | Q(is_member=True), latitude__isnull=False
    )


def communities_near(
    *, user: User | AnonymousUser, point: Point, radius_km: float
) -> QuerySet[Community]:
    """Communities within `radius_km` of `point`, nearest first, each with `distance_km`."""
    return within(_placed_for(user), point, radius_km)


def communities_in_window(*, user: User | AnonymousUser, box: BoundingBox) -> QuerySet[Community]:
    return in_window(_placed_for(user), box)


def post_get_for(
    *, community: Community, pk: int, user: User | AnonymousUser, moderated_too: bool = False
) -> Post:
    """A post of `community` that `user` may read, else NotFound — whatever id is guessed.
    `moderated_too` (its page, and the API's read of it): its moderators (`moderated_q`)
    read it held or hidden as well, in place, where the case page links; lists and actions
    leave it out."""
    shown = shown_q(user) | moderated_q(user) if moderated_too else shown_q(user)
    posts = Post.objects.filter(content_visible_q(user), shown)
    try:
        return annotate_posts(posts.filter(community=community), user).get(pk=pk)
    except Post.DoesNotExist as error:
        raise NotFound(_("This post does not exist.")) from error


def comments_of(post: Post, user: User | AnonymousUser) -> QuerySet[Comment]:
    shown = shown_q(user) | moderated_q(user, prefix="post__")
    return post.comments.filter(shown).select_related("author").order_by("created_at", "pk")


def members_of(
    community: Community, *, status: str = Membership.Status.ACTIVE
) -> QuerySet[Membership]:
    role_order = Case(
        When(role=Membership.Role.OWNER, then=Value(0)),
        When(role=Membership.Role.MODERATOR, then=Value(1)),
        default=Value(2),
    )
    return (
        Membership.objects.filter(community=community, status=status)
        .select_related("user")
        .annotate(role_order=role_order)
        .order_by("role_order", "user__display_name")
    )


def is_following_community(user: User | AnonymousUser, community: Community) -> bool:
    return (
        user.is_authenticated
        and CommunityFollow.objects.filter(user=user, community=community).exists()
    )


def follower_count(community: Community) -> int:
    return CommunityFollow.objects.filter(community=community).count()


def kept_posts_of(user: User) -> QuerySet[Post]:
    """The person's posts nobody took down: contributions toward trust (accounts.trust)."""
    return Post.objects.filter(author=user, moderation=Moderation.VISIBLE)


def kept_comments_of(user: User) -> QuerySet[Comment]:
    return Comment.objects.filter(author=user, moderation=Moderation.VISIBLE)


def community_share_text(community: Community, member_count: int) -> ShareText:
    """What the preview of a shared community link says (drawn by `core.share_card`)."""
    return ShareText(
        kicker=community.city,
        title=community.name,
        subtitle=" ".join(community.description.split())[:160],
        figures=ngettext("%(count)s member", "%(count)s members", member_count)
        % {"count": number_format(member_count)},
    )


def community_name_taken(name: str) -> bool:
    """Whether a community has `name` as its address (core.names: one namespace with
    people's handles)."""
    return Community.objects.filter(slug=name).exists()
