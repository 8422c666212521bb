from typing import Any

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.communities import services
from essaim.communities.models import Community, CommunityFollow, Membership, PostReaction
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.core.errors import NotFound, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db

OWNER, MODERATOR, MEMBER = Membership.Role.OWNER, Membership.Role.MODERATOR, Membership.Role.MEMBER


def test_creating_a_community_makes_its_creator_owner_and_a_free_slug():
    alice = UserFactory.create()
    first = services.community_create(creator=alice, name="Entraide Paris 11e")
    second = services.community_create(creator=alice, name="Entraide Paris 11e")
    reserved = services.community_create(creator=alice, name="New")
    assert first.slug == "entraide-paris-11e" and second.slug != first.slug
    assert reserved.slug != "new"
    assert Membership.objects.get(community=first, user=alice).role == OWNER
    with pytest.raises(ValidationError):
        services.community_create(creator=alice, name="   ")


@pytest.mark.parametrize(
    ("join_mode", "token", "expected"),
    [
        ("open", None, Membership.Status.ACTIVE),
        ("approval", None, Membership.Status.PENDING),
        ("approval", "right", Membership.Status.ACTIVE),
        ("invitation", "right", Membership.Status.ACTIVE),
    ],
)
def test_join_modes(join_mode, token, expected):
    community = CommunityFactory.create(join_mode=join_mode)
    bruno = UserFactory.create()
    given = community.invitation_token if token == "right" else None
    membership = services.community_join(user=bruno, community=community, token=given)
    again = services.community_join(user=bruno, community=community, token=given)
    assert membership.status == expected and again.pk == membership.pk
    assert Membership.objects.filter(community=community, user=bruno).count() == 1


def test_invitation_only_refuses_without_the_right_token():
    community = CommunityFactory.create(join_mode="invitation")
    bruno = UserFactory.create()
    for token in (None, "", "wrong", community.invitation_token[:-1]):
        with pytest.raises(PermissionDenied):
            services.community_join(user=bruno, community=community, token=token)
    assert not Membership.objects.filter(user=bruno).exists()


def test_rotating_the_invitation_kills_the_old_link():
    owner = UserFactory.create()
    community = services.community_create(creator=owner, name="Cercle", join_mode="invitation")
    old = community.invitation_token
    services.invitation_rotate(actor=owner, community=community)
    with pytest.raises(PermissionDenied):
        services.community_join(user=UserFactory.create(), community=community, token=old)
    member = MembershipFactory.create(community=community)
    with pytest.raises(PermissionDenied):
        services.invitation_rotate(actor=member.user, community=community)


def test_only_owners_change_roles_and_one_owner_always_remains():
    owner = UserFactory.create()
    community = services.community_create(creator=owner, name="Jardins")
    moderator = MembershipFactory.create(community=community, role=MODERATOR)
    member = MembershipFactory.create(community=community)
    with pytest.raises(PermissionDenied):
        services.role_set(actor=moderator.user, membership=member, role=MODERATOR)
    services.role_set(actor=owner, membership=member, role=MODERATOR)
    member.refresh_from_db()
    assert member.role == MODERATOR
    owner_membership = Membership.objects.get(community=community, user=owner)
    with pytest.raises(ValidationError):
        services.role_set(actor=owner, membership=owner_membership, role=MEMBER)
    with pytest.raises(ValidationError):
        services.community_leave(user=owner, community=community)
    services.role_set(actor=owner, membership=member, role=OWNER)
    services.role_set(actor=owner, membership=owner_membership, role=MEMBER)
    owner_membership.refresh_from_db()
    assert owner_membership.role == MEMBER


def test_moderators_approve_and_decline_requests():
    owner = UserFactory.create()
    community = services.community_create(creator=owner, name="Maraudes", join_mode="approval")
    asking = services.community_join(user=UserFactory.create(), community=community)
    other = services.community_join(user=UserFactory.create(), community=community)
    outsider = UserFactory.create()
    with pytest.raises(PermissionDenied):
        services.membership_approve(actor=outsider, membership=asking)
    services.membership_approve(actor=owner, membership=asking)
    services.membership_decline(actor=owner, membership=other)
    asking.refresh_from_db()
    assert asking.status == Membership.Status.ACTIVE
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_private_community_outsiders_cannot_post_follow_or_like():
    community = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    post = PostFactory.create(community=community)
    outsider = UserFactory.create()
    with pytest.raises(NotFound):
        services.post_create(author=outsider, community=community, body="hello")
    with pytest.raises(NotFound):
        services.community_follow(user=outsider, community=community)
    with pytest.raises(NotFound):
        services.post_like(user=outsider, post=post)
    with pytest.raises(NotFound):
        services.comment_create(author=outsider, post=post, body="hello")
    assert not PostReaction.objects.exists() and not CommunityFollow.objects.exists()


def test_public_community_non_members_cannot_post_or_comment_but_can_like():
    community = CommunityFactory.create()
    post = PostFactory.create(community=community)
    visitor = UserFactory.create()
    with pytest.raises(PermissionDenied):
        services.post_create(author=visitor, community=community, body="hello")
    with pytest.raises(PermissionDenied):
        services.comment_create(author=visitor, post=post, body="hello")
    services.post_like(user=visitor, post=post)
    services.post_like(user=visitor, post=post)
    assert PostReaction.objects.filter(post=post).count() == 1
    services.post_unlike(user=visitor, post=post)
    services.post_unlike(user=visitor, post=post)
    assert not PostReaction.objects.exists()


def test_posts_are_deleted_by_their_author_or_a_moderator_only():
    community = CommunityFactory.create()
    author = MembershipFactory.create(community=community).user
    member = MembershipFactory.create(community=community).user
    moderator = MembershipFactory.create(community=community, role=MODERATOR).user
    first = PostFactory.create(community=community, author=author)
    second = PostFactory.create(community=community, author=author)
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=member, post=first)
    services.post_delete(actor=author, post=first)
    services.post_delete(actor=moderator, post=second)
    assert not community.posts.exists()


def test_an_invitation_link_lets_a_waiting_request_in():
    community = CommunityFactory.create(join_mode="approval")
    bruno = UserFactory.create()
    waiting = services.community_join(user=bruno, community=community)
    assert waiting.status == Membership.Status.PENDING
    wrong = services.community_join(user=bruno, community=community, token="wrong")
    assert wrong.status == Membership.Status.PENDING
    joined = services.community_join(
        user=bruno, community=community, token=community.invitation_token
    )
    assert joined.pk == waiting.pk and joined.status == Membership.Status.ACTIVE
    assert Membership.objects.filter(user=bruno).count() == 1


def test_two_creations_racing_for_one_address_both_succeed(monkeypatch):
    alice = UserFactory.create()
    CommunityFactory.create(slug="jardins")
    offered = iter(["jardins", "jardins-2"])
    # As if another request took "jardins" between the free-address check and the insert.
    monkeypatch.setattr(services, "_free_slug", lambda name: next(offered))
    community = services.community_create(creator=alice, name="Jardins")
    assert community.slug == "jardins-2"
    assert Membership.objects.get(community=community).user == alice


def test_unknown_choices_and_roles_are_refused():
    owner = UserFactory.create()
    with pytest.raises(ValidationError):
        services.community_create(creator=owner, name="X", visibility="secret")
    community = services.community_create(creator=owner, name="Jardins", join_mode="approval")
    with pytest.raises(ValidationError):
        services.community_update(
            actor=owner,
            community=community,
            name="Jardins",
            description="",
            charter="",
            visibility="public",
            join_mode="lottery",
            city="",
        )
    pending = services.community_join(user=UserFactory.create(), community=community)
    member = MembershipFactory.create(community=community)
    with pytest.raises(ValidationError):
        services.role_set(actor=owner, membership=member, role="king")
    with pytest.raises(ValidationError):
        services.role_set(actor=owner, membership=pending, role=MODERATOR)
    community.refresh_from_db()
    member.refresh_from_db()
    assert community.join_mode == "approval" and member.role == MEMBER


def test_editing_is_for_owners_and_moderators_and_outsiders_of_private_ones_find_nothing():
    community = CommunityFactory.create(name="Avant", visibility=Community.Visibility.PRIVATE)
    member = MembershipFactory.create(community=community).user
    moderator = MembershipFactory.create(community=community, role=MODERATOR).user
    fields: dict[str, Any] = {
        "name": "Après",
        "description": "d",
        "charter": "c",
        "visibility": "private",
        "join_mode": "open",
        "city": "",
    }
    for refused in (member, UserFactory.create()):
        with pytest.raises(PermissionDenied):
            services.community_update(actor=refused, community=community, **fields)
    services.community_update(actor=moderator, community=community, **fields)
    community.refresh_from_db()
    assert community.name == "Après"


def test_approving_twice_and_declining_an_active_member_are_harmless():
    owner = UserFactory.create()
    community = services.community_create(creator=owner, name="Maraudes", join_mode="approval")
    asking = services.community_join(user=UserFactory.create(), community=community)
    services.membership_approve(actor=owner, membership=asking)
    services.membership_approve(actor=owner, membership=asking)
    services.membership_decline(actor=owner, membership=asking)
    asking.refresh_from_db()
    assert asking.status == Membership.Status.ACTIVE


def test_leaving_twice_and_following_twice_are_harmless():
    community = CommunityFactory.create()
    bruno = MembershipFactory.create(community=community).user
    services.community_leave(user=bruno, community=community)
    services.community_leave(user=bruno, community=community)
    assert not Membership.objects.filter(user=bruno).exists()
    services.community_follow(user=bruno, community=community)
    services.community_follow(user=bruno, community=community)
    assert CommunityFollow.objects.filter(user=bruno).count() == 1
    services.community_unfollow(user=bruno, community=community)
    services.community_unfollow(user=bruno, community=community)
    assert not CommunityFollow.objects.exists()


def test_pending_members_cannot_post_or_comment():
    community = CommunityFactory.create(join_mode="approval")
    post = PostFactory.create(community=community)
    pending = MembershipFactory.create(community=community, status="pending").user
    with pytest.raises(PermissionDenied):
        services.post_create(author=pending, community=community, body="hello")
    with pytest.raises(PermissionDenied):
        services.comment_create(author=pending, post=post, body="hello")
    assert community.posts.count() == 1 and not post.comments.exists()
