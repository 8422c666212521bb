import pytest

from essaim.accounts.services import user_delete, user_export
from essaim.communities.models import CommunityFollow, Membership, Post, PostReaction
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.messaging.services import conversation_start

pytestmark = pytest.mark.django_db


def test_export_holds_my_communities_posts_comments_likes_and_messages():
    community = CommunityFactory.create(name="Jardins")
    alice = MembershipFactory.create(community=community, role="owner").user
    post = PostFactory.create(community=community, author=alice, body="Mon message")
    CommentFactory.create(post=post, author=alice, body="Mon commentaire")
    PostReaction.objects.create(post=post, user=alice)
    CommunityFollow.objects.create(community=CommunityFactory.create(name="Suivie"), user=alice)
    other = MembershipFactory.create(community=community).user
    conversation_start(sender=alice, recipient=other, body="Coucou")

    data = user_export(alice)

    assert data["communities"]["memberships"][0]["community"] == "Jardins"
    assert data["communities"]["posts"][0]["body"] == "Mon message"
    assert data["communities"]["comments"][0]["body"] == "Mon commentaire"
    assert data["communities"]["likes"] == [post.pk]
    assert data["communities"]["followed_communities"] == ["Suivie"]
    assert data["messaging"]["conversations"][0]["messages_i_sent"][0]["body"] == "Coucou"


def test_deletion_keeps_content_and_hands_ownership_on():
    community = CommunityFactory.create()
    alice = MembershipFactory.create(community=community, role="owner").user
    moderator = MembershipFactory.create(community=community, role="moderator")
    post = PostFactory.create(community=community, author=alice, body="reste")
    PostReaction.objects.create(post=post, user=alice)

    user_delete(user=alice)

    assert Post.objects.get(pk=post.pk).body == "reste"
    assert not PostReaction.objects.filter(user=alice).exists()
    assert not Membership.objects.filter(user=alice).exists()
    moderator.refresh_from_db()
    assert moderator.role == "owner"
