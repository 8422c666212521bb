"""WebFinger, NodeInfo and the actor documents served on content negotiation."""

from typing import Any

import pytest
from django.test import Client

from essaim.communities.models import Community
from essaim.communities.tests.factories import CommunityFactory, PostFactory
from essaim.core.models import Moderation

pytestmark = pytest.mark.django_db

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def test_webfinger_finds_a_public_community_by_acct(client: Client) -> None:
    community = CommunityFactory.create(slug="voisins")
    response = client.get("/.well-known/webfinger", {"resource": "acct:voisins@essaim.test"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jrd+json"
    answer = response.json()
    assert answer["subject"] == "acct:voisins@essaim.test"
    assert {"rel": "self", "type": AP, "href": "https://essaim.test/communities/voisins/"} in (
        answer["links"]
    )
    # The actor's URL resolves to the same community.
    again = client.get(
        "/.well-known/webfinger", {"resource": "https://essaim.test/communities/voisins/"}
    )
    assert again.json()["subject"] == "acct:voisins@essaim.test"
    assert community.slug == "voisins"


@pytest.mark.parametrize(
    "resource, status",
    [
        ("", 400),
        ("acct:secret@essaim.test", 404),  # private community
        ("acct:voisins@other.example", 404),  # not this instance
        ("acct:nobody@essaim.test", 404),
        ("https://other.example/communities/voisins/", 404),
    ],
)
def test_webfinger_refuses_what_is_not_a_public_actor_here(
    client: Client, resource: str, status: int
) -> None:
    CommunityFactory.create(slug="voisins")
    CommunityFactory.create(slug="secret", visibility=Community.Visibility.PRIVATE)
    response = client.get("/.well-known/webfinger", {"resource": resource})
    assert response.status_code == status
    assert "detail" in response.json()


def test_nodeinfo_links_to_its_document(client: Client) -> None:
    PostFactory.create(community=CommunityFactory.create())
    PostFactory.create(community=CommunityFactory.create(visibility=Community.Visibility.PRIVATE))
    index = client.get("/.well-known/nodeinfo").json()
    assert index["links"] == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": "https://essaim.test/nodeinfo/2.1",
        }
    ]
    document = client.get("/nodeinfo/2.1").json()
    assert document["version"] == "2.1"
    assert document["software"]["name"] == "essaim"
    assert document["protocols"] == ["activitypub"]
    assert document["usage"]["localPosts"] == 1
    assert document["usage"]["users"]["total"] >= 2


@pytest.mark.parametrize("accept", [AP, LD, "application/ld+json"])
def test_a_community_page_answers_its_group_actor_on_negotiation(
    client: Client, accept: str
) -> None:
    CommunityFactory.create(slug="voisins", name="Voisins")
    response = client.get("/communities/voisins/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(AP)
    assert "Accept" in response["Vary"]
    actor: dict[str, Any] = response.json()
    assert actor["type"] == "Group"
    assert actor["id"] == "https://essaim.test/communities/voisins/"
    assert actor["preferredUsername"] == "voisins"
    assert actor["inbox"] == "https://essaim.test/federation/communities/voisins/inbox"
    assert actor["followers"] == "https://essaim.test/federation/communities/voisins/followers"
    assert actor["endpoints"]["sharedInbox"] == "https://essaim.test/federation/inbox"
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["publicKey"]["id"] == actor["id"] + "#main-key"
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    # The key is made once and kept.
    again = client.get("/communities/voisins/", headers={"Accept": AP}).json()
    assert again["publicKey"]["publicKeyPem"] == actor["publicKey"]["publicKeyPem"]


def test_the_html_page_is_still_served_to_browsers(client: Client) -> None:
    CommunityFactory.create(slug="voisins", name="Voisins")
    response = client.get("/communities/voisins/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


def test_a_private_community_is_no_actor(client: Client) -> None:
    CommunityFactory.create(slug="secret", visibility=Community.Visibility.PRIVATE)
    for path in (
        "/communities/secret/",
        "/federation/communities/secret/followers",
        "/federation/communities/secret/outbox",
    ):
        assert client.get(path, headers={"Accept": AP}).status_code == 404


def test_followers_are_shown_by_count_only(client: Client) -> None:
    CommunityFactory.create(slug="voisins")
    followers = client.get("/federation/communities/voisins/followers").json()
    assert followers == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://essaim.test/federation/communities/voisins/followers",
        "type": "OrderedCollection",
        "totalItems": 0,
    }


def test_a_post_answers_its_note_and_a_held_one_nothing(client: Client) -> None:
    community = CommunityFactory.create(slug="voisins")
    post = PostFactory.create(community=community, body="Bonjour **à tous**")
    held = PostFactory.create(community=community, moderation=Moderation.HELD)
    note = client.get(f"/communities/voisins/posts/{post.pk}/", headers={"Accept": AP}).json()
    assert note["type"] == "Note"
    assert note["attributedTo"] == "https://essaim.test/communities/voisins/"
    assert note["content"] == "<p>Bonjour <strong>à tous</strong></p>\n"
    hidden = client.get(f"/communities/voisins/posts/{held.pk}/", headers={"Accept": AP})
    assert hidden.status_code == 404


def test_the_instance_actor_has_a_key(client: Client) -> None:
    actor = client.get("/federation/actor").json()
    assert actor["type"] == "Application"
    assert actor["id"] == "https://essaim.test/federation/actor"
    assert actor["publicKey"]["owner"] == actor["id"]
    assert (
        client.get("/.well-known/webfinger", {"resource": "acct:essaim.test@essaim.test"}).json()[
            "links"
        ][0]["href"]
        == actor["id"]
    )
