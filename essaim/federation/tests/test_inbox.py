"""Following, replies, joins and deletes sent by a peer on loopback, signed with its key."""

import json
from typing import Any

import pytest
from django.test import Client

from essaim.campaigns.models import CampaignHost, Rsvp
from essaim.campaigns.tests.factories import CampaignFactory, EventFactory
from essaim.communities.models import Comment, Community, Membership
from essaim.communities.tests.factories import CommunityFactory, PostFactory
from essaim.core import outbox
from essaim.core.models import Moderation, OutboxMessage
from essaim.federation import signatures
from essaim.federation.models import Follower, LocalActor, ReceivedObject, RemoteActor
from essaim.federation.tests.peer import Peer
from essaim.moderation.models import FilterRule

pytestmark = pytest.mark.django_db

GROUP = "https://essaim.test/communities/voisins/"
INBOX = "/federation/inbox"


def post(client: Client, peer: Peer, activity: dict[str, Any], path: str = INBOX) -> Any:
    body, headers = peer.signed(path, activity)
    return client.post(path, data=body, content_type="application/activity+json", headers=headers)


def follow(peer: Peer, n: int = 1) -> dict[str, Any]:
    alice = peer.actor_uri()
    return {"id": f"{alice}/follows/{n}", "type": "Follow", "actor": alice, "object": GROUP}


def test_a_follow_is_accepted_and_the_accept_delivered_signed(client: Client, peer: Peer) -> None:
    community = CommunityFactory.create(slug="voisins")
    response = post(client, peer, follow(peer), "/federation/communities/voisins/inbox")
    assert response.status_code == 202, response.content
    assert response.json() == {"detail": "followed"}
    follower = Follower.objects.get(community=community)
    assert follower.actor.uri == peer.actor_uri()
    assert follower.actor.shared_inbox == f"{peer.origin}/inbox"
    # The key was fetched once, signed by the instance actor.
    assert peer.fetched == ["/users/alice"]

    assert outbox.dispatch(here=True) == 1
    [accept] = peer.received
    assert accept.path == "/users/alice/inbox"
    assert accept.json["type"] == "Accept"
    assert accept.json["actor"] == GROUP
    assert accept.json["object"]["id"] == follow(peer)["id"]
    # Signed by the group's key, over the body's digest.
    keys = LocalActor.objects.get(community=community)
    signed = signatures.parse(
        method="POST",
        path="/users/alice/inbox",
        headers=accept.headers,
        body=accept.body,
        now=signatures.parsedate_to_datetime(accept.headers["date"]),
    )
    assert signed.key_id == GROUP + "#main-key"
    signatures.verify(signed, keys.public_key_pem)
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT


def test_undo_removes_the_follow(client: Client, peer: Peer) -> None:
    CommunityFactory.create(slug="voisins")
    post(client, peer, follow(peer))
    alice = peer.actor_uri()
    undo = {"id": f"{alice}/undo/1", "type": "Undo", "actor": alice, "object": follow(peer)}
    response = post(client, peer, undo)
    assert response.json() == {"detail": "unfollowed"}
    assert not Follower.objects.exists()


def test_a_private_community_cannot_be_followed(client: Client, peer: Peer) -> None:
    CommunityFactory.create(slug="voisins", visibility=Community.Visibility.PRIVATE)
    response = post(client, peer, follow(peer))
    assert response.status_code == 404
    assert not Follower.objects.exists()
    assert not OutboxMessage.objects.exists()


def reply(peer: Peer, post_id: int, content: str, n: int = 1) -> dict[str, Any]:
    alice = peer.actor_uri()
    note = {
        "id": f"{alice}/notes/{n}",
        "type": "Note",
        "attributedTo": alice,
        "inReplyTo": f"https://essaim.test/communities/voisins/posts/{post_id}/",
        "content": content,
    }
    return {"id": f"{note['id']}/activity", "type": "Create", "actor": alice, "object": note}


def test_a_reply_becomes_a_comment_of_a_new_remote_account(client: Client, peer: Peer) -> None:
    target = PostFactory.create(community=CommunityFactory.create(slug="voisins"))
    content = "<p>Je viens <script>alert(1)</script>&amp; <b>vous aide</b></p><p>Alice</p>"
    response = post(client, peer, reply(peer, target.pk, content))
    assert response.status_code == 202, response.content
    comment = Comment.objects.get(post=target)
    assert comment.body == "Je viens &amp; vous aide\n\nAlice".replace("&amp;", "&")
    assert comment.moderation == Moderation.VISIBLE
    stand_in = RemoteActor.objects.get().user
    assert comment.author == stand_in
    assert stand_in is not None and not stand_in.has_usable_password()
    assert stand_in.email.endswith("@remote.invalid")
    # Delivered again (the same note in another activity): written once.
    copy = reply(peer, target.pk, content)
    copy["id"] += "-again"
    again = post(client, peer, copy)
    assert again.json() == {"detail": "duplicate"}
    assert Comment.objects.count() == 1


def test_a_reply_passes_the_same_word_filters(client: Client, peer: Peer) -> None:
    target = PostFactory.create(community=CommunityFactory.create(slug="voisins"))
    FilterRule.objects.create(
        kind=FilterRule.Kind.WORD, pattern="arnaque", effect=FilterRule.Effect.HOLD
    )
    FilterRule.objects.create(
        kind=FilterRule.Kind.WORD, pattern="interdit", effect=FilterRule.Effect.BLOCK
    )
    held = post(client, peer, reply(peer, target.pk, "<p>une arnaque</p>", 1))
    assert held.status_code == 202
    assert Comment.objects.get().moderation == Moderation.HELD
    blocked = post(client, peer, reply(peer, target.pk, "<p>un mot interdit</p>", 2))
    assert blocked.status_code == 422
    # A new account posts no links, remote or not.
    linked = post(client, peer, reply(peer, target.pk, "<p>voir https://spam.example</p>", 3))
    assert linked.status_code == 422
    assert Comment.objects.count() == 1


def test_a_banned_remote_person_cannot_reply(client: Client, peer: Peer) -> None:
    community = CommunityFactory.create(slug="voisins")
    target = PostFactory.create(community=community)
    post(client, peer, reply(peer, target.pk, "premier", 1))
    user = RemoteActor.objects.get().user
    assert user is not None
    Membership.objects.create(community=community, user=user, status=Membership.Status.BANNED)
    refused = post(client, peer, reply(peer, target.pk, "second", 2))
    assert refused.status_code == 422
    assert Comment.objects.count() == 1


def test_delete_removes_the_comment_and_only_the_senders(client: Client, peer: Peer) -> None:
    target = PostFactory.create(community=CommunityFactory.create(slug="voisins"))
    post(client, peer, reply(peer, target.pk, "bonjour"))
    note_id = reply(peer, target.pk, "")["object"]["id"]
    peer.add_actor("mallory")
    mallory = peer.actor_uri("mallory")
    body, headers = peer.signed(
        INBOX,
        {"id": f"{mallory}/d/1", "type": "Delete", "actor": mallory, "object": note_id},
        name="mallory",
    )
    refused = client.post(
        INBOX, data=body, content_type="application/activity+json", headers=headers
    )
    assert refused.status_code == 403
    assert Comment.objects.count() == 1
    alice = peer.actor_uri()
    deleted = post(
        client,
        peer,
        {
            "id": f"{alice}/d/1",
            "type": "Delete",
            "actor": alice,
            "object": {"id": note_id, "type": "Tombstone"},
        },
    )
    assert deleted.json() == {"detail": "deleted"}
    assert not Comment.objects.exists()
    assert not ReceivedObject.objects.exists()


def community_event(community: Community) -> Any:
    campaign = CampaignFactory.create(slug="nettoyage")
    CampaignHost.objects.create(
        campaign=campaign, community=community, status=CampaignHost.Status.ACCEPTED
    )
    return EventFactory.create(campaign=campaign, capacity=1)


def test_a_remote_join_is_an_rsvp_and_leave_cancels_it(client: Client, peer: Peer) -> None:
    event = community_event(CommunityFactory.create(slug="voisins"))
    alice = peer.actor_uri()
    url = f"https://essaim.test/campaigns/nettoyage/events/{event.pk}/"
    join = {"id": f"{alice}/join/1", "type": "Join", "actor": alice, "object": url}
    assert post(client, peer, join).json() == {"detail": "joined"}
    rsvp = Rsvp.objects.get(event=event)
    assert rsvp.status == Rsvp.Status.CONFIRMED
    assert rsvp.user == RemoteActor.objects.get().user
    leave = {"id": f"{alice}/undo/9", "type": "Undo", "actor": alice, "object": join}
    assert post(client, peer, leave).json() == {"detail": "left"}
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.CANCELLED


def test_an_unknown_activity_is_acknowledged_and_dropped(client: Client, peer: Peer) -> None:
    PostFactory.create(community=CommunityFactory.create(slug="voisins"))
    alice = peer.actor_uri()
    like = {"id": f"{alice}/like/1", "type": "Like", "actor": alice, "object": GROUP}
    response = post(client, peer, like)
    assert response.status_code == 202
    assert response.json() == {"detail": "ignored"}
    assert json.loads(response.content) == {"detail": "ignored"}
    assert not OutboxMessage.objects.exists()
