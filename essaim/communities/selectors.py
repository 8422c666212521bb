"""Reads on communities, always scoped to the person asking.

The one rule every domain reuses: the content of a community (posts, listings, members) is
visible to everyone when the community is public, and only to its active members when private.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from essaim.accounts.models import User
from essaim.communities.models import Community, Membership, Post, PostReaction


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


def communities_with_visible_content(user: User | AnonymousUser) -> QuerySet[Community]:
    visible = Q(visibility=Community.Visibility.PUBLIC)
    if user.is_authenticated:
        visible |= Q(pk__in=active_community_ids(user))
    return Community.objects.filter(visible)


def posts_visible_to(user: User | AnonymousUser) -> QuerySet[Post]:
    return Post.objects.filter(content_visible_q(user))


def annotate_posts(posts: QuerySet[Post], user: User | AnonymousUser) -> QuerySet[Post]:
    """What every list of posts shows: author and community in the same query, like and
    comment counts, and whether `user` likes each one — a fixed number of queries per page."""
    liked_by_me: Exists | Value = Value(False)
    if user.is_authenticated:
        liked_by_me = Exists(PostReaction.objects.filter(post=OuterRef("pk"), user=user))
    return posts.select_related("author", "community").annotate(
        like_count=Count("reactions", distinct=True),
        comment_count=Count("comments", distinct=True),
        liked_by_me=liked_by_me,
    )
