"""Who may do what, view by view: anonymous, outsider, pending, member, moderator, owner, in a
public and in a private community. Every refused request changes nothing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.communities import permissions
from essaim.communities.models import (
    Comment,
    Community,
    CommunityFollow,
    Membership,
    Post,
    PostReaction,
)
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "outsider", "pending", "member", "moderator", "owner"]
MEMBERS = {"member", "moderator", "owner"}
MANAGERS = {"moderator", "owner"}
LOGGED_IN = {"outsider", "pending"} | MEMBERS
PUBLIC, PRIVATE = Community.Visibility.PUBLIC, Community.Visibility.PRIVATE


def _world(visibility: str) -> dict[str, Any]:
    community = CommunityFactory.create(
        name="Avant",
        visibility=visibility,
        join_mode=Community.JoinMode.APPROVAL,
        description="description-interne",
        charter="charte-interne",
    )
    roles = {
        "owner": MembershipFactory.create(community=community, role=Membership.Role.OWNER),
        "moderator": MembershipFactory.create(community=community, role=Membership.Role.MODERATOR),
        "member": MembershipFactory.create(community=community),
        "pending": MembershipFactory.create(community=community, status=Membership.Status.PENDING),
    }
    # Someone else's request, someone else's post and comment: what managers act upon.
    applicant = MembershipFactory.create(community=community, status=Membership.Status.PENDING)
    target = MembershipFactory.create(community=community)
    post = PostFactory.create(community=community, author=target.user, body="message-interne")
    comment = CommentFactory.create(post=post, author=target.user, body="commentaire-interne")
    return {
        "community": community,
        "roles": roles,
        "applicant": applicant,
        "target": target,
        "post": post,
        "comment": comment,
    }


def _login(client: Client, world: dict[str, Any], viewer: str) -> None:
    if viewer == "outsider":
        client.force_login(UserFactory.create())
    elif viewer != "anonymous":
        client.force_login(world["roles"][viewer].user)


def _snapshot() -> tuple[list[Any], ...]:
    return (
        list(Post.objects.order_by("pk").values_list("pk", "body")),
        list(Comment.objects.order_by("pk").values_list("pk", "body")),
        list(PostReaction.objects.order_by("pk").values_list("post_id", "user_id")),
        list(CommunityFollow.objects.order_by("pk").values_list("community_id", "user_id")),
        list(Membership.objects.order_by("pk").values_list("pk", "role", "status")),
        list(
            Community.objects.order_by("pk").values_list(
                "name", "description", "charter", "visibility", "join_mode", "invitation_token"
            )
        ),
    )


Action = Callable[[dict[str, Any]], tuple[str, dict[str, str]]]

ACTIONS: dict[str, Action] = {
    "post_create": lambda w: (
        reverse("communities:post_create", args=[w["community"].slug]),
        {"body": "nouveau message"},
    ),
    "comment": lambda w: (w["post"].get_absolute_url(), {"body": "nouveau commentaire"}),
    "like": lambda w: (reverse("communities:like", args=[w["community"].slug, w["post"].pk]), {}),
    "follow": lambda w: (reverse("communities:follow", args=[w["community"].slug]), {}),
    "edit": lambda w: (
        reverse("communities:edit", args=[w["community"].slug]),
        {"name": "Après", "visibility": "public", "join_mode": "open", "description": "x"},
    ),
    "post_delete": lambda w: (
        reverse("communities:post_delete", args=[w["community"].slug, w["post"].pk]),
        {},
    ),
    "comment_delete": lambda w: (
        reverse(
            "communities:comment_delete",
            args=[w["community"].slug, w["post"].pk, w["comment"].pk],
        ),
        {},
    ),
    "approve": lambda w: (
        reverse("communities:approve", args=[w["community"].slug, w["applicant"].pk]),
        {},
    ),
    "decline": lambda w: (
        reverse("communities:decline", args=[w["community"].slug, w["applicant"].pk]),
        {},
    ),
    "role": lambda w: (
        reverse("communities:role", args=[w["community"].slug, w["target"].pk]),
        {"role": "moderator"},
    ),
    "rotate_invitation": lambda w: (
        reverse("communities:rotate_invitation", args=[w["community"].slug]),
        {},
    ),
}

ALLOWED: dict[str, dict[str, set[str]]] = {
    "post_create": {PUBLIC: MEMBERS, PRIVATE: MEMBERS},
    "comment": {PUBLIC: MEMBERS, PRIVATE: MEMBERS},
    # Liking and following a public community needs no membership.
    "like": {PUBLIC: LOGGED_IN, PRIVATE: MEMBERS},
    "follow": {PUBLIC: LOGGED_IN, PRIVATE: MEMBERS},
    "edit": {PUBLIC: MANAGERS, PRIVATE: MANAGERS},
    "post_delete": {PUBLIC: MANAGERS, PRIVATE: MANAGERS},
    "comment_delete": {PUBLIC: MANAGERS, PRIVATE: MANAGERS},
    "approve": {PUBLIC: MANAGERS, PRIVATE: MANAGERS},
    "decline": {PUBLIC: MANAGERS, PRIVATE: MANAGERS},
    "role": {PUBLIC: {"owner"}, PRIVATE: {"owner"}},
    "rotate_invitation": {PUBLIC: {"owner"}, PRIVATE: {"owner"}},
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
def test_post_actions_matrix(client, visibility, action, viewer):
    world = _world(visibility)
    _login(client, world, viewer)
    url, data = ACTIONS[action](world)
    before = _snapshot()

    response = client.post(url, data)

    if viewer in ALLOWED[action][visibility]:
        assert response.status_code == 302, (response.status_code, url)
        assert _snapshot() != before
        return
    assert _snapshot() == before
    if viewer == "anonymous" and response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))
    elif visibility == PRIVATE and viewer not in MEMBERS:
        # Whatever is guessed under a private community does not exist for outsiders.
        assert response.status_code == 404
    else:
        assert response.status_code in (403, 404)
    body = response.content.decode()
    for word in ("description-interne", "charte-interne", "message-interne"):
        assert word not in body


def _can_see(visibility: str, viewer: str) -> bool:
    return visibility == PUBLIC or viewer in MEMBERS


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
def test_pages_matrix(client, visibility, viewer):
    world = _world(visibility)
    _login(client, world, viewer)
    slug, post = world["community"].slug, world["post"]
    seen = 200 if _can_see(visibility, viewer) else 404

    detail = client.get(world["community"].get_absolute_url())
    assert detail.status_code == 200
    assert "Avant" in detail.content.decode()
    assert ("description-interne" in detail.content.decode()) is _can_see(visibility, viewer)
    assert ("message-interne" in detail.content.decode()) is _can_see(visibility, viewer)

    members = client.get(reverse("communities:members", args=[slug]))
    assert members.status_code == seen
    post_page = client.get(post.get_absolute_url())
    assert post_page.status_code == seen
    if seen == 200:
        assert "commentaire-interne" in post_page.content.decode()

    edit = client.get(reverse("communities:edit", args=[slug]))
    if viewer in MANAGERS:
        assert edit.status_code == 200
    elif viewer == "anonymous":
        assert edit.status_code == 302
    else:
        assert edit.status_code == 404

    guessed = client.get(reverse("communities:post", args=[slug, post.pk + 1000]))
    assert guessed.status_code == 404
    other_community = PostFactory.create()
    wrong_place = client.get(reverse("communities:post", args=[slug, other_community.pk]))
    assert wrong_place.status_code == 404


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_managers_see_requests_and_only_owners_the_invitation_and_role_buttons(client, viewer):
    world = _world(PUBLIC)
    _login(client, world, viewer)
    community = world["community"]
    html = client.get(reverse("communities:members", args=[community.slug])).content.decode()
    detail = client.get(community.get_absolute_url()).content.decode()

    assert (world["applicant"].user.display_name in html) is (viewer in MANAGERS)
    assert (community.invitation_token in html) is (viewer == "owner")
    assert community.invitation_token not in detail
    role_form = reverse("communities:role", args=[community.slug, world["target"].pk])
    assert (role_form in html) is (viewer == "owner")
    assert (reverse("communities:edit", args=[community.slug]) in detail) is (viewer in MANAGERS)
    post_html = client.get(world["post"].get_absolute_url()).content.decode()
    delete_url = reverse("communities:post_delete", args=[community.slug, world["post"].pk])
    assert (delete_url in post_html) is (viewer in MANAGERS)
    assert ('data-testid="comment-form"' in post_html) is (viewer in MEMBERS)


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
def test_private_outsider_can_still_ask_to_join_by_name(client, visibility):
    world = _world(visibility)
    outsider = UserFactory.create()
    client.force_login(outsider)
    html = client.get(world["community"].get_absolute_url()).content.decode()
    assert 'data-testid="join"' in html
    for _repeat in range(2):
        response = client.post(reverse("communities:join", args=[world["community"].slug]))
        assert response.status_code == 302
    membership = Membership.objects.get(community=world["community"], user=outsider)
    assert membership.status == Membership.Status.PENDING
    # Still waiting: a private community still shows its name alone.
    html = client.get(world["community"].get_absolute_url()).content.decode()
    assert ("description-interne" in html) is (visibility == PUBLIC)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_members_leave_but_the_last_owner_cannot(client, role):
    world = _world(PUBLIC)
    community = world["community"]
    client.force_login(world["roles"][role].user)
    response = client.post(reverse("communities:leave", args=[community.slug]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=world["roles"][role].pk).exists()

    client.force_login(world["roles"]["owner"].user)
    before = _snapshot()
    response = client.post(reverse("communities:leave", args=[community.slug]))
    assert response.status_code == 400
    own = world["roles"]["owner"]
    demote = client.post(
        reverse("communities:role", args=[community.slug, own.pk]), {"role": "member"}
    )
    assert demote.status_code == 400
    assert _snapshot() == before


def test_permission_predicates():
    community = CommunityFactory.create(visibility=PRIVATE)
    cases = [
        (None, (False, False, False, False)),
        (
            MembershipFactory.build(community=community, status="pending", role="owner"),
            (False, False, False, False),
        ),
        (MembershipFactory.build(community=community), (True, True, False, False)),
        (MembershipFactory.build(community=community, role="moderator"), (True, True, True, False)),
        (MembershipFactory.build(community=community, role="owner"), (True, True, True, True)),
    ]
    for membership, expected in cases:
        assert (
            permissions.can_view_content(community, membership),
            permissions.can_post(membership),
            permissions.can_moderate(membership),
            permissions.can_manage_roles(membership),
        ) == expected
