"""People on the fediverse: only those who opt in, in one namespace with communities, their
public posts signed with their name, and their actor deleted everywhere when they opt out."""

import json
from typing import Any

import pytest
from django.test import Client

from essaim.accounts.models import User, free_handle
from essaim.accounts.services import profile_update, user_delete, user_federation_set
from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Community, Membership
from essaim.communities.services import community_create, post_create, post_delete
from essaim.communities.tests.factories import CommunityFactory
from essaim.core import outbox
from essaim.core.errors import ValidationError
from essaim.federation import actors, delivery, jsonld, signatures
from essaim.federation.models import Follower, LocalActor
from essaim.federation.tests.peer import Peer

pytestmark = pytest.mark.django_db

AP = "application/activity+json"
INES = "https://essaim.test/people/ines/"
GROUP = "https://essaim.test/communities/voisins/"


def ines() -> User:
    return UserFactory.create(handle="ines", display_name="Inès", bio="Jardinière")


def member_post(person: User, body: str = "Réunion jeudi") -> dict[str, Any]:
    community = CommunityFactory.create(slug="voisins")
    Membership.objects.create(community=community, user=person)
    post = post_create(author=person, community=community, body=body)
    return json.loads(Client().get(post.get_absolute_url(), HTTP_ACCEPT=AP).content)


def webfinger(client: Client, resource: str) -> Any:
    return client.get("/.well-known/webfinger", {"resource": resource})


def test_nothing_is_exposed_about_someone_who_did_not_opt_in(client: Client) -> None:
    person = ines()
    assert person.federated_at is None  # off unless chosen
    assert webfinger(client, "acct:ines@essaim.test").status_code == 404
    assert webfinger(client, INES).status_code == 404
    document = client.get("/people/ines/", HTTP_ACCEPT=AP)
    assert document.status_code == 404
    assert document.json() == {"detail": "no such actor"}
    assert client.get("/federation/people/ines/outbox").status_code == 404
    assert (
        client.post("/federation/people/ines/inbox", data="{}", content_type=AP).status_code == 404
    )
    note = member_post(person)
    assert note["attributedTo"] == GROUP
    assert "ines" not in json.dumps(note)
    assert not LocalActor.objects.filter(kind=LocalActor.Kind.PERSON).exists()
    # Their HTML profile is still their profile.
    assert client.get("/people/ines/").status_code == 200


def test_an_opted_in_person_is_a_person_actor_and_signs_their_posts(client: Client) -> None:
    person = ines()
    client.force_login(person)
    settings_page = client.get("/people/me/settings/").content.decode()
    assert "cannot be recalled" in settings_page or "ne peut pas être repris" in settings_page
    assert client.post("/people/me/settings/fediverse/", {"federated": "on"}).status_code == 302
    person.refresh_from_db()
    assert person.federated_at is not None

    answer = webfinger(Client(), "acct:ines@essaim.test")
    assert answer.status_code == 200
    assert answer.json()["subject"] == "acct:ines@essaim.test"
    assert {"rel": "self", "type": AP, "href": INES} in answer.json()["links"]
    assert webfinger(Client(), INES).json()["subject"] == "acct:ines@essaim.test"

    actor = Client().get("/people/ines/", HTTP_ACCEPT=AP)
    assert actor.status_code == 200
    assert actor["Vary"] and "Accept" in actor["Vary"]
    document = actor.json()
    assert document["type"] == "Person"
    assert document["id"] == INES
    assert document["preferredUsername"] == "ines"
    assert document["inbox"] == "https://essaim.test/federation/people/ines/inbox"
    assert document["publicKey"]["owner"] == INES
    assert "e-mail" not in json.dumps(document) and person.email not in json.dumps(document)
    assert jsonld.undefined_terms(document) == set()

    note = member_post(person)
    assert note["attributedTo"] == INES
    assert note["audience"] == GROUP


def test_one_namespace_for_handles_and_community_names() -> None:
    CommunityFactory.create(slug="voisins")
    # A person whose handle a community holds cannot take it to the fediverse...
    clash = UserFactory.create(handle="voisins")
    with pytest.raises(ValidationError):
        user_federation_set(user=clash, federated=True)
    clash.refresh_from_db()
    assert clash.federated_at is None
    # ...and neither side is given the other's name from now on.
    assert free_handle("Voisins") != "voisins"
    person = ines()
    founded = community_create(
        creator=person, name="Ines", description="", visibility=Community.Visibility.PUBLIC
    )
    assert founded.slug != "ines"
    user_federation_set(user=person, federated=True)
    assert person.federated_at is not None


def test_opting_out_answers_gone_and_deletes_the_actor_at_its_followers(
    client: Client, peer: Peer
) -> None:
    person = ines()
    user_federation_set(user=person, federated=True)
    alice = peer.actor_uri()
    follow = {"id": f"{alice}/follows/9", "type": "Follow", "actor": alice, "object": INES}
    path = "/federation/people/ines/inbox"
    body, headers = peer.signed(path, follow)
    response = client.post(path, data=body, content_type=AP, headers=headers)
    assert response.status_code == 202, response.content
    assert Follower.objects.get(person=person).actor.uri == alice
    outbox.dispatch(here=True)
    [accept] = peer.received
    assert (accept.json["type"], accept.json["actor"]) == ("Accept", INES)
    assert accept.headers["signature"].startswith(f'keyId="{INES}#main-key"')

    client.force_login(person)
    client.post("/people/me/settings/fediverse/", {})
    person.refresh_from_db()
    assert person.federated_at is None
    gone = Client().get("/people/ines/", HTTP_ACCEPT=AP)
    assert gone.status_code == 410
    assert webfinger(Client(), "acct:ines@essaim.test").status_code == 404
    outbox.dispatch(here=True)
    delete = peer.received[-1]
    assert delete.json == {
        **delete.json,
        "type": "Delete",
        "actor": INES,
        "object": INES,
    }
    keys = LocalActor.objects.get(user=person)
    signed = signatures.parse(
        method="POST",
        path=delete.path,
        headers=delete.headers,
        body=delete.body,
        now=signatures.parsedate_to_datetime(delete.headers["date"]),
    )
    signatures.verify(signed, keys.public_key_pem)
    assert not Follower.objects.exists()
    # Their posts are the community's again.
    assert member_post(person)["attributedTo"] == GROUP
    # Opting out again sends nothing more.
    user_federation_set(user=person, federated=False)
    assert delivery.deliveries().count() == 2


def test_deleting_an_account_on_the_fediverse_deletes_its_actor(peer: Peer) -> None:
    person = ines()
    user_federation_set(user=person, federated=True)
    Follower.objects.create(person=person, actor=actors.remote_actor(peer.actor_uri()))
    user_delete(user=person)
    outbox.dispatch(here=True)
    assert peer.received[-1].json["type"] == "Delete"
    assert peer.received[-1].json["object"] == INES
    assert Client().get("/people/ines/", HTTP_ACCEPT=AP).status_code == 410


def test_a_person_s_followers_get_their_posts_from_them(client: Client, peer: Peer) -> None:
    person = ines()
    user_federation_set(user=person, federated=True)
    Follower.objects.create(person=person, actor=actors.remote_actor(peer.actor_uri()))
    community = CommunityFactory.create(slug="voisins")
    Membership.objects.create(community=community, user=person)
    post = post_create(author=person, community=community, body="Réunion jeudi")
    outbox.dispatch(here=True)
    [create] = peer.received  # the community has no follower there
    assert (create.json["type"], create.json["actor"]) == ("Create", INES)
    assert create.json["object"]["attributedTo"] == INES
    assert create.headers["signature"].startswith(f'keyId="{INES}#main-key"')
    assert jsonld.undefined_terms(create.json) == set()
    post_delete(actor=person, post=post)
    outbox.dispatch(here=True)
    assert (peer.received[-1].json["type"], peer.received[-1].json["actor"]) == ("Delete", INES)


def test_a_follow_of_someone_not_on_the_fediverse_is_refused(client: Client, peer: Peer) -> None:
    ines()
    alice = peer.actor_uri()
    follow = {"id": f"{alice}/follows/3", "type": "Follow", "actor": alice, "object": INES}
    body, headers = peer.signed("/federation/inbox", follow)
    response = client.post("/federation/inbox", data=body, content_type=AP, headers=headers)
    assert response.status_code == 404
    assert not Follower.objects.exists()
    assert not delivery.deliveries().exists()


def test_a_changed_name_goes_to_the_followers_as_an_update(peer: Peer) -> None:
    person = ines()
    profile_update(user=person, display_name="Inès B.", bio="", city="", language="fr")
    assert not delivery.deliveries().exists()  # not on the fediverse: nothing sent
    user_federation_set(user=person, federated=True)
    Follower.objects.create(person=person, actor=actors.remote_actor(peer.actor_uri()))
    profile_update(user=person, display_name="Inès B.", bio="", city="Lyon", language="fr")
    assert not delivery.deliveries().exists()  # the city is not on the fediverse
    profile_update(user=person, display_name="Inès Benali", bio="", city="Lyon", language="fr")
    outbox.dispatch(here=True)
    [update] = peer.received
    assert (update.json["type"], update.json["actor"]) == ("Update", INES)
    assert update.json["object"]["type"] == "Person"
    assert update.json["object"]["name"] == "Inès Benali"
    assert jsonld.undefined_terms(update.json) == set()
