from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from essaim.accounts.tests.factories import UserFactory
from essaim.communities import selectors
from essaim.communities.models import Community, Membership, PostReaction
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_annotate_posts_counts_likes_and_comments_separately():
    alice, bruno = UserFactory.create_batch(2)
    busy, quiet = PostFactory.create_batch(2)
    for person in (alice, bruno):
        PostReaction.objects.create(post=busy, user=person)
    CommentFactory.create_batch(3, post=busy)

    for viewer, liked in ((alice, True), (UserFactory.create(), False), (AnonymousUser(), False)):
        posts: dict[int, Any] = {
            p.pk: p for p in selectors.annotate_posts(selectors.posts_visible_to(viewer), viewer)
        }
        assert (posts[busy.pk].like_count, posts[busy.pk].comment_count) == (2, 3)
        assert posts[busy.pk].liked_by_me is liked
        assert (posts[quiet.pk].like_count, posts[quiet.pk].comment_count) == (0, 0)
        assert posts[quiet.pk].liked_by_me is False


def test_annotate_posts_keys_on_filters_and_slices_like_the_feed_does(
    django_assert_num_queries,
):
    community = CommunityFactory.create()
    PostFactory.create_batch(5, community=community)
    viewer = UserFactory.create()
    with django_assert_num_queries(1):
        page = list(
            selectors.annotate_posts(selectors.posts_visible_to(viewer), viewer)
            .filter(community=community)
            .order_by("-created_at", "-pk")[:3]
        )
        assert [p.author.display_name for p in page] and [p.community.name for p in page]
    assert len(page) == 3


def test_directory_lists_private_communities_by_name_and_never_matches_their_city():
    CommunityFactory.create(name="Secret", city="Lyon", visibility=Community.Visibility.PRIVATE)
    CommunityFactory.create(name="Ouvert", city="Lyon")
    outsider, member = UserFactory.create_batch(2)
    MembershipFactory.create(community=Community.objects.get(name="Secret"), user=member)

    def names(user, query=""):
        return [c.name for c in selectors.community_directory(user, query=query)]

    assert names(outsider) == ["Ouvert", "Secret"]
    assert names(AnonymousUser(), "lyon") == ["Ouvert"]
    assert names(outsider, "lyon") == ["Ouvert"]
    assert names(outsider, "secr") == ["Secret"]
    # Members know where their community is; theirs come first.
    assert names(member, "lyon") == ["Secret", "Ouvert"]


def test_community_get_for_tells_who_sees_content():
    community = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    member = MembershipFactory.create(community=community)
    pending = MembershipFactory.create(community=community, status=Membership.Status.PENDING)

    for user, visible in (
        (AnonymousUser(), False),
        (UserFactory.create(), False),
        (pending.user, False),
        (member.user, True),
    ):
        access = selectors.community_get_for(slug=community.slug, user=user)
        assert access.community == community and access.can_view_content is visible
        if visible:
            assert selectors.content_get_for(slug=community.slug, user=user).membership == member
        else:
            with pytest.raises(NotFound):
                selectors.content_get_for(slug=community.slug, user=user)
    with pytest.raises(NotFound):
        selectors.community_get_for(slug="nowhere", user=member.user)


def test_post_get_for_only_finds_posts_of_that_community_the_viewer_may_read():
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    secret = PostFactory.create(community=private)
    public_post = PostFactory.create()
    outsider = UserFactory.create()
    with pytest.raises(NotFound):
        selectors.post_get_for(community=private, pk=secret.pk, user=outsider)
    with pytest.raises(NotFound):
        selectors.post_get_for(community=private, pk=public_post.pk, user=outsider)
    found: Any = selectors.post_get_for(
        community=public_post.community, pk=public_post.pk, user=outsider
    )
    assert found.like_count == 0


def test_members_of_lists_owners_then_moderators_then_members():
    community = CommunityFactory.create()
    member = MembershipFactory.create(community=community, user__display_name="Aline")
    owner = MembershipFactory.create(community=community, role="owner", user__display_name="Zoé")
    moderator = MembershipFactory.create(
        community=community, role="moderator", user__display_name="Marc"
    )
    MembershipFactory.create(community=community, status=Membership.Status.PENDING)
    assert list(selectors.members_of(community)) == [owner, moderator, member]
    assert selectors.members_of(community, status=Membership.Status.PENDING).count() == 1
