"""Thin views: read with selectors, write with services, decide with permissions."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.accounts.models import User
from essaim.communities import permissions, selectors, services
from essaim.communities.forms import (
    CommentForm,
    CommunityForm,
    DirectorySearchForm,
    PostForm,
    RoleForm,
)
from essaim.communities.models import Comment, Community, Membership
from essaim.core.errors import NotFound
from essaim.core.forms import NearForm
from essaim.core.http import HtmxHttpRequest, redirect_back
from essaim.core.models import shown_q
from essaim.core.parts import Part
from essaim.core.share_card import share_card, share_card_response

POSTS_PAGE_SIZE = 20
DIRECTORY_PAGE_SIZE = 30
MEMBERS_PAGE_SIZE = 100
PROFILE_POSTS = 10


def profile_posts(*, viewer: User | AnonymousUser, profile_of: User) -> Part:
    """The person's recent posts on their profile (a core.parts part), those `viewer` may
    read."""
    posts = selectors.posts_visible_to(viewer).filter(author=profile_of)
    recent = selectors.annotate_posts(posts, viewer).order_by("-created_at", "-pk")
    return Part(
        template="communities/_profile_posts.html", context={"posts": recent[:PROFILE_POSTS]}
    )


def _community_for(request: HtmxHttpRequest, slug: str) -> tuple[Community, Membership | None]:
    """The community and the viewer's membership; NotFound if the viewer may not see its
    content (a private community's name is only ever shown by `detail`)."""
    access = selectors.content_get_for(slug=slug, user=request.user)
    return access.community, access.membership


@require_GET
def community_list(request: HtmxHttpRequest) -> HttpResponse:
    # Through a form: it refuses what the database would (NUL bytes) and over-long input.
    search = DirectorySearchForm(request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    near = NearForm(request.GET if request.GET.get("near") else None)
    status = 200
    communities = selectors.community_directory(request.user, query=query)
    if near.is_bound and not near.is_valid():
        status = 400
    elif near.is_bound:
        communities = selectors.communities_near(
            user=request.user,
            point=near.cleaned_data["point"],
            radius_km=near.cleaned_data["radius"],
        )
    page = Paginator(communities, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/community_list.html",
        {"page": page, "query": query, "near": near},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_create(request: HtmxHttpRequest) -> HttpResponse:
    form = CommunityForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            community = services.community_create(creator=person(request), **form.cleaned_data)
            messages.success(request, _("Your community is ready."))
            return redirect(community)
        return render(request, "communities/community_form.html", {"form": form}, status=400)
    return render(request, "communities/community_form.html", {"form": form})


@require_GET
def community_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    access = selectors.community_get_for(slug=slug, user=request.user)
    community, membership = access.community, access.membership
    if not access.can_view_content:
        # Outsiders of a private community learn its name, and may ask to join.
        return render(
            request,
            "communities/community_private.html",
            {"community": community, "membership": membership},
        )
    return render(
        request,
        "communities/community_detail.html",
        _detail_context(request, community, membership, PostForm()),
    )


@require_GET
def community_share_image(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The preview picture: like the page's content, only for whoever may read it."""
    access = selectors.community_get_for(slug=slug, user=request.user)
    if not access.can_view_content:
        raise NotFound(_("This page does not exist."))
    community = access.community
    text = selectors.community_share_text(community, selectors.members_of(community).count())
    return share_card_response(
        share_card(f"community:{community.pk}", text),
        version=text.version,
        asked=request.GET.get("v"),
    )


def _detail_context(
    request: HtmxHttpRequest, community: Community, membership: Membership | None, form: PostForm
) -> dict[str, Any]:
    posts = selectors.annotate_posts(
        community.posts.filter(shown_q(request.user)), request.user
    ).order_by("-created_at", "-pk")
    member_count = selectors.members_of(community).count()
    return {
        "community": community,
        "membership": membership,
        "page": Paginator(posts, POSTS_PAGE_SIZE).get_page(request.GET.get("page")),
        "post_form": form,
        "member_count": member_count,
        "share_query": f"?v={selectors.community_share_text(community, member_count).version}",
        "follower_count": selectors.follower_count(community),
        "is_following": selectors.is_following_community(request.user, community),
        "can_post": permissions.can_post(membership),
        "can_moderate": permissions.can_moderate(membership),
        "can_manage_roles": permissions.can_manage_roles(membership),
    }


@login_required
@require_http_methods(["GET", "POST"])
def community_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community, membership = _community_for(request, slug)
    if not permissions.can_edit(membership):
        raise NotFound(_("This page does not exist."))
    initial = {
        field: getattr(community, field)
        for field in (
            "name",
            "city",
            "description",
            "charter",
            "visibility",
            "join_mode",
            "cover_alt",
        )
    }
    form = CommunityForm(request.POST or None, request.FILES or None, initial=initial)
    form.has_cover = bool(community.cover)
    if request.method == "POST":
        if form.is_valid():
            services.community_update(
                actor=person(request), community=community, **form.cleaned_data
            )
            messages.success(request, _("The community is saved."))
            return redirect(community)
        status = 400
    else:
        status = 200
    return render(
        request,
        "communities/community_form.html",
        {"form": form, "community": community},
        status=status,
    )


@login_required
@require_POST
def community_join(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(slug=slug)
    membership = services.community_join(user=person(request), community=community)
    if request.htmx:
        # The post form and the member list appear on the next page load; in place, the
        # button becomes the member's role (or the pending notice).
        return render(
            request,
            "communities/_membership.html",
            {"community": community, "membership": membership},
        )
    if membership.status == Membership.Status.PENDING:
        messages.info(request, _("Your request to join is waiting for a moderator's approval."))
    else:
        messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
    return redirect(community)


@require_http_methods(["GET", "POST"])
def community_join_by_invitation(request: HtmxHttpRequest, token: str) -> HttpResponse:
    community = get_object_or_404(Community, invitation_token=token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        services.community_join(user=person(request), community=community, token=token)
        messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
        return redirect(community)
    return render(request, "communities/invitation.html", {"community": community})


@login_required
@require_POST
def community_leave(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(slug=slug)
    services.community_leave(user=person(request), community=community)
    messages.success(request, _("You left %(name)s.") % {"name": community.name})
    return redirect(community)


def _follow_response(request: HtmxHttpRequest, community: Community) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "communities/_follow_button.html",
            {
                "community": community,
                "is_following": selectors.is_following_community(request.user, community),
                "follower_count": selectors.follower_count(community),
            },
        )
    return redirect_back(request, fallback=community.get_absolute_url())


@login_required
@require_POST
def community_follow(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(slug=slug)
    services.community_follow(user=person(request), community=community)
    return _follow_response(request, community)


@login_required
@require_POST
def community_unfollow(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(slug=slug)
    services.community_unfollow(user=person(request), community=community)
    return _follow_response(request, community)


@require_GET
def member_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community, membership = _community_for(request, slug)
    page = Paginator(selectors.members_of(community), MEMBERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_moderate = permissions.can_moderate(membership)
    return render(
        request,
        "communities/member_list.html",
        {
            "community": community,
            "membership": membership,
            "page": page,
            "pending": selectors.members_of(community, status=Membership.Status.PENDING)
            if can_moderate
            else [],
            "can_moderate": can_moderate,
            "can_manage_roles": permissions.can_manage_roles(membership),
            "roles": Membership.Role.choices,
        },
    )


def _membership_in(community: Community, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("community", "user").get(
            community=community, pk=pk
        )
    except Membership.DoesNotExist as error:
        raise NotFound(_("This person is not in the community.")) from error


@login_required
@require_POST
def membership_decide(request: HtmxHttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    target = _membership_in(community, pk)
    if decision == "approve":
        services.membership_approve(actor=person(request), membership=target)
        messages.success(
            request, _("%(name)s is now a member.") % {"name": target.user.display_name}
        )
    else:
        services.membership_decline(actor=person(request), membership=target)
        messages.success(request, _("Request declined."))
    return redirect("communities:members", slug=community.slug)


@login_required
@require_POST
def membership_role(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    target = _membership_in(community, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role."))
        return redirect("communities:members", slug=community.slug)
    services.role_set(actor=person(request), membership=target, role=form.cleaned_data["role"])
    messages.success(request, _("Role updated."))
    return redirect("communities:members", slug=community.slug)


@login_required
@require_POST
def invitation_rotate(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    services.invitation_rotate(actor=person(request), community=community)
    messages.success(request, _("A new invitation link replaces the old one."))
    return redirect("communities:members", slug=community.slug)


@login_required
@require_POST
def post_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    community, membership = _community_for(request, slug)
    form = PostForm(request.POST)
    if form.is_valid():
        services.post_create(author=person(request), community=community, **form.cleaned_data)
        messages.success(request, _("Your message is published."))
        return redirect(community)
    return render(
        request,
        "communities/community_detail.html",
        _detail_context(request, community, membership, form),
        status=400,
    )


@require_http_methods(["GET", "POST"])
def post_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, membership = _community_for(request, slug)
    post = selectors.post_get_for(community=community, pk=pk, user=request.user, moderated_too=True)
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            comment = services.comment_create(
                author=person(request), post=post, **form.cleaned_data
            )
            return redirect(f"{post.get_absolute_url()}#comment-{comment.pk}")
        status = 400
    return render(
        request,
        "communities/post_detail.html",
        {
            "community": community,
            "post": post,
            "comments": selectors.comments_of(post, request.user),
            "form": form,
            "can_comment": permissions.can_post(membership),
            "can_moderate": permissions.can_moderate(membership),
        },
        status=status,
    )


@login_required
@require_POST
def post_delete(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    post = selectors.post_get_for(community=community, pk=pk, user=request.user)
    services.post_delete(actor=person(request), post=post)
    messages.success(request, _("The post is deleted."))
    return redirect(community)


@login_required
@require_POST
def comment_delete(request: HtmxHttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    post = selectors.post_get_for(community=community, pk=pk, user=request.user)
    comment = get_object_or_404(Comment, post=post, pk=comment_pk)
    services.comment_delete(actor=person(request), comment=comment)
    messages.success(request, _("The comment is deleted."))
    return redirect(post)


def _like_response(request: HtmxHttpRequest, community: Community, pk: int) -> HttpResponse:
    post = selectors.post_get_for(community=community, pk=pk, user=request.user)
    if request.htmx:
        return render(request, "communities/_like_button.html", {"post": post})
    return redirect_back(request, fallback=post.get_absolute_url())


@login_required
@require_POST
def post_like(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    post = selectors.post_get_for(community=community, pk=pk, user=request.user)
    services.post_like(user=person(request), post=post)
    return _like_response(request, community, pk)


@login_required
@require_POST
def post_unlike(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, _membership = _community_for(request, slug)
    post = selectors.post_get_for(community=community, pk=pk, user=request.user)
    services.post_unlike(user=person(request), post=post)
    return _like_response(request, community, pk)
