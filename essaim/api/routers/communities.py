"""Communities and their posts: the rules of essaim/communities (selectors, permissions,
services), nothing of their own."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from essaim.api import presenters, schemas
from essaim.api.auth import READ, WRITE, actor, viewer
from essaim.api.pagination import Pagination, Presented
from essaim.communities import permissions, selectors, services
from essaim.communities.models import Community

router = Router(tags=["communities"])


def _listed(item: Community) -> dict[str, Any]:
    """A directory row: the directory's own rule (name alone for a private community one is
    not a member of), with its annotations."""
    is_member = bool(item.is_member)  # type: ignore[attr-defined]
    return presenters.community(
        item,
        can_view_content=not item.is_private or is_member,
        is_member=is_member,
        member_count=item.member_count,  # type: ignore[attr-defined]
    )


@router.get(
    "/", response={200: list[schemas.Community], **schemas.ERRORS}, auth=READ, summary="Communities"
)
@paginate(Pagination)
def community_list(
    request: HttpRequest,
    q: str = Query("", max_length=100, pattern=schemas.NO_NUL, description="Name or city."),
) -> Presented:
    return Presented(selectors.community_directory(viewer(request), query=q.strip()), _listed)


@router.get("/{slug}", response={200: schemas.Community, **schemas.ERRORS}, auth=READ)
def community_detail(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    access = selectors.community_get_for(slug=slug, user=viewer(request))
    return presenters.community(
        access.community,
        can_view_content=access.can_view_content,
        is_member=permissions.is_active_member(access.membership),
        member_count=selectors.members_of(access.community).count(),
    )


def _membership(community: Community, user: Any) -> dict[str, Any]:
    membership = permissions.membership_of(user, community)
    return {
        "community": community.slug,
        "role": membership.role if membership else "",
        "status": membership.status if membership else "none",
    }


@router.post("/{slug}/membership", response={200: schemas.Membership, **schemas.ERRORS}, auth=WRITE)
def community_join(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    """Join an open community, or ask to join one on approval (status "pending")."""
    community = selectors.community_get(slug=slug)
    services.community_join(user=actor(request), community=community)
    return _membership(community, actor(request))


@router.delete(
    "/{slug}/membership", response={200: schemas.Membership, **schemas.ERRORS}, auth=WRITE
)
def community_leave(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    community = selectors.community_get(slug=slug)
    services.community_leave(user=actor(request), community=community)
    return _membership(community, actor(request))


@router.get("/{slug}/posts", response={200: list[schemas.Post], **schemas.ERRORS}, auth=READ)
@paginate(Pagination)
def post_list(request: HttpRequest, slug: schemas.Slug) -> Presented:
    """Newest first. An outsider of a private community gets a 404, as on its pages."""
    user = viewer(request)
    community = selectors.content_get_for(slug=slug, user=user).community
    posts = selectors.annotate_posts(
        selectors.posts_visible_to(user).filter(community=community), user
    ).order_by("-created_at", "-pk")
    return Presented(posts, presenters.post)


@router.post("/{slug}/posts", response={201: schemas.Post, **schemas.ERRORS}, auth=WRITE)
def post_create(
    request: HttpRequest, slug: schemas.Slug, data: schemas.PostIn
) -> Status[dict[str, Any]]:
    """Not idempotent: no Idempotency-Key is read, and sending twice creates two posts (retry
    only when no answer came back, after looking for it in the list)."""
    user = actor(request)
    community = selectors.content_get_for(slug=slug, user=user).community
    created = services.post_create(author=user, community=community, body=data.body)
    return Status(
        201, presenters.post(selectors.post_get_for(community=community, pk=created.pk, user=user))
    )


@router.get("/{slug}/posts/{post_id}", response={200: schemas.Post, **schemas.ERRORS}, auth=READ)
def post_detail(request: HttpRequest, slug: schemas.Slug, post_id: schemas.Id) -> dict[str, Any]:
    user = viewer(request)
    community = selectors.content_get_for(slug=slug, user=user).community
    # As its page: its moderators read it held or hidden too (its `moderation` says which).
    post = selectors.post_get_for(community=community, pk=post_id, user=user, moderated_too=True)
    return presenters.post(post)


def _like(
    request: HttpRequest, slug: schemas.Slug, post_id: schemas.Id, *, like: bool
) -> dict[str, Any]:
    user = actor(request)
    community = selectors.content_get_for(slug=slug, user=user).community
    post = selectors.post_get_for(community=community, pk=post_id, user=user)
    if like:
        services.post_like(user=user, post=post)
    else:
        services.post_unlike(user=user, post=post)
    post = selectors.post_get_for(community=community, pk=post_id, user=user)
    return {"post": post.pk, "liked": post.liked_by_me, "like_count": post.like_count}  # type: ignore[attr-defined]


@router.post(
    "/{slug}/posts/{post_id}/like", response={200: schemas.Like, **schemas.ERRORS}, auth=WRITE
)
def post_like(request: HttpRequest, slug: schemas.Slug, post_id: schemas.Id) -> dict[str, Any]:
    return _like(request, slug, post_id, like=True)


@router.delete(
    "/{slug}/posts/{post_id}/like", response={200: schemas.Like, **schemas.ERRORS}, auth=WRITE
)
def post_unlike(request: HttpRequest, slug: schemas.Slug, post_id: schemas.Id) -> dict[str, Any]:
    return _like(request, slug, post_id, like=False)
