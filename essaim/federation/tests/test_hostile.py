"""What a hostile or broken peer sends is refused with a 4xx, never a 500, and never makes
the instance call a private address."""

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from essaim.communities.tests.factories import CommunityFactory, PostFactory
from essaim.core import transport
from essaim.core.models import OutboxMessage
from essaim.federation import signatures
from essaim.federation.models import DomainBlock, Follower, RemoteActor
from essaim.federation.tests.peer import Peer

pytestmark = pytest.mark.django_db

GROUP = "https://essaim.test/communities/voisins/"
INBOX = "/federation/inbox"
AP = "application/activity+json"


@pytest.fixture(autouse=True)
def community() -> Any:
    return CommunityFactory.create(slug="voisins")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every outgoing connection the instance opens, recorded (and still opened)."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return opened


def follow(peer: Peer, actor: str | None = None, target: str = GROUP) -> dict[str, Any]:
    alice = actor or peer.actor_uri()
    return {
        "id": f"{peer.actor_uri()}/follows/1",
        "type": "Follow",
        "actor": alice,
        "object": target,
    }


def send(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(INBOX, data=body, content_type=AP, headers=headers)


def assert_refused(response: Any, status: int) -> None:
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert not Follower.objects.exists()


def test_unsigned_from_an_unknown_actor(client: Client, peer: Peer) -> None:
    body, _headers = peer.signed(INBOX, follow(peer))
    assert_refused(send(client, body, {}), 401)
    assert peer.fetched == []


def test_a_signature_by_another_key_is_refused_after_one_refetch(
    client: Client, peer: Peer
) -> None:
    body, headers = peer.signed(INBOX, follow(peer))
    # The peer's published key changes: the signature no longer matches it.
    peer.public_key_pem = signatures.new_key_pair()[1]
    peer.add_actor("alice")
    assert_refused(send(client, body, headers), 401)
    assert peer.fetched == ["/users/alice", "/users/alice"]


def test_a_rotated_key_is_fetched_again_once(client: Client, peer: Peer) -> None:
    body, headers = peer.signed(INBOX, follow(peer))
    # Cached with an old key: the refetch finds the new one.
    RemoteActor.objects.create(
        uri=peer.actor_uri(),
        domain="localhost",
        inbox=f"{peer.actor_uri()}/inbox",
        key_id=f"{peer.actor_uri()}#main-key",
        public_key_pem=signatures.new_key_pair()[1],
        fetched_at=datetime.now(UTC),
    )
    assert send(client, body, headers).status_code == 202
    assert peer.fetched == ["/users/alice"]


@pytest.mark.parametrize("age", [timedelta(hours=13), -timedelta(hours=13)])
def test_a_stale_or_future_date_is_refused(client: Client, peer: Peer, age: timedelta) -> None:
    body, headers = peer.signed(INBOX, follow(peer), date=datetime.now(UTC) - age)
    assert_refused(send(client, body, headers), 401)
    assert peer.fetched == []


def test_a_replayed_request_is_refused(client: Client, peer: Peer) -> None:
    body, headers = peer.signed(INBOX, follow(peer))
    assert send(client, body, headers).status_code == 202
    replay = send(client, body, headers)
    assert replay.status_code == 409
    assert Follower.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


def test_a_body_that_is_not_the_signed_one_is_refused(client: Client, peer: Peer) -> None:
    _body, headers = peer.signed(INBOX, follow(peer))
    other, _ = peer.signed(INBOX, follow(peer, target="https://essaim.test/communities/x/"))
    assert_refused(send(client, other, headers), 401)


def test_a_signature_without_the_digest_is_refused(client: Client, peer: Peer) -> None:
    body, headers = peer.signed(INBOX, follow(peer))
    headers["Signature"] = headers["Signature"].replace(' digest"', '"')
    assert_refused(send(client, body, headers), 401)


def test_an_oversized_body_is_refused_unread(client: Client, peer: Peer) -> None:
    activity = follow(peer)
    activity["padding"] = "x" * (300 * 1024)
    body, headers = peer.signed(INBOX, activity)
    assert_refused(send(client, body, headers), 413)
    assert peer.fetched == []


def test_not_json(client: Client, peer: Peer) -> None:
    assert_refused(client.post(INBOX, data=b"{nope", content_type=AP), 400)


def test_an_activity_by_someone_else_than_the_signer(client: Client, peer: Peer) -> None:
    body, headers = peer.signed(INBOX, follow(peer, actor="https://elsewhere.example/users/bob"))
    assert_refused(send(client, body, headers), 403)


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/groups/voisins",
        "https://essaim.test/communities/unknown/",
        "https://essaim.test/campaigns/",
    ],
)
def test_a_follow_of_something_we_do_not_own(client: Client, peer: Peer, target: str) -> None:
    body, headers = peer.signed(INBOX, follow(peer, target=target))
    assert_refused(send(client, body, headers), 404)
    assert not OutboxMessage.objects.exists()


def test_a_delete_of_our_own_post_is_refused(client: Client, peer: Peer, community: Any) -> None:
    post = PostFactory.create(community=community)
    url = f"https://essaim.test/communities/voisins/posts/{post.pk}/"
    alice = peer.actor_uri()
    body, headers = peer.signed(
        INBOX, {"id": f"{alice}/d/1", "type": "Delete", "actor": alice, "object": url}
    )
    assert_refused(send(client, body, headers), 403)
    post.refresh_from_db()


def test_a_reply_attributed_to_someone_else(client: Client, peer: Peer, community: Any) -> None:
    post = PostFactory.create(community=community)
    alice = peer.actor_uri()
    note = {
        "id": "https://elsewhere.example/notes/1",
        "type": "Note",
        "attributedTo": "https://elsewhere.example/users/bob",
        "inReplyTo": f"https://essaim.test/communities/voisins/posts/{post.pk}/",
        "content": "usurpation",
    }
    body, headers = peer.signed(
        INBOX, {"id": f"{alice}/c/1", "type": "Create", "actor": alice, "object": note}
    )
    assert_refused(send(client, body, headers), 403)
    assert not post.comments.exists()


def test_announces_of_our_own_objects_do_not_loop(
    client: Client, peer: Peer, community: Any
) -> None:
    post = PostFactory.create(community=community)
    Follower.objects.create(
        community=community,
        actor=RemoteActor.objects.create(
            uri=peer.actor_uri("bob"),
            domain="localhost",
            inbox=f"{peer.origin}/users/bob/inbox",
            key_id=peer.actor_uri("bob") + "#main-key",
            public_key_pem=peer.public_key_pem,
            fetched_at=datetime.now(UTC),
        ),
    )
    url = f"https://essaim.test/communities/voisins/posts/{post.pk}/"
    alice = peer.actor_uri()
    for n in range(3):
        body, headers = peer.signed(
            INBOX,
            {"id": f"{alice}/a/{n}", "type": "Announce", "actor": alice, "object": url},
        )
        assert send(client, body, headers).json() == {"detail": "ignored"}
    assert not OutboxMessage.objects.exists()


def test_a_blocked_server_is_refused_without_a_fetch(client: Client, peer: Peer) -> None:
    DomainBlock.objects.create(domain="localhost")
    body, headers = peer.signed(INBOX, follow(peer))
    assert_refused(send(client, body, headers), 403)
    assert peer.fetched == []


@pytest.mark.parametrize(
    "key_id",
    [
        "https://10.0.0.1/users/alice#main-key",
        "https://192.168.1.10/users/alice#main-key",
        "https://[::1]/users/alice#main-key",
        "https://169.254.169.254/latest/meta-data#key",
        "http://127.0.0.1:1/users/alice#main-key",
        "https://private.example/users/alice#main-key",
        "file:///etc/passwd",
    ],
)
def test_a_key_at_a_private_address_is_never_fetched(
    client: Client,
    peer: Peer,
    key_id: str,
    connections: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_resolve = transport.resolve

    def resolving(host: str, port: int) -> list[str]:
        # A name whose DNS answer is a private address.
        return ["10.9.8.7"] if host == "private.example" else real_resolve(host, port)

    monkeypatch.setattr(transport, "resolve", resolving)
    body, headers = peer.signed(INBOX, follow(peer), key_id=key_id)
    assert_refused(send(client, body, headers), 401)
    assert connections == []


def test_inbox_is_post_only(client: Client) -> None:
    assert client.get(INBOX).status_code == 405
