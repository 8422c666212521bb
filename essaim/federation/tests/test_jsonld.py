"""The JSON-LD contexts: every document the instance emits (served or delivered) names only
contexts shipped with it, and every term it uses is defined by them."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services.events import event_cancel, event_create, event_update
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.models import Membership
from essaim.communities.services import post_create, post_delete
from essaim.communities.tests.factories import CommunityFactory
from essaim.federation import delivery, inbox, jsonld
from essaim.federation.models import Follower, RemoteActor

pytestmark = pytest.mark.django_db

AP = "application/activity+json"


def check(document: dict[str, Any]) -> None:
    context = document["@context"]
    for part in context if isinstance(context, list) else [context]:
        assert part in jsonld.SHIPPED if isinstance(part, str) else part == jsonld.EXTENSIONS
    assert jsonld.undefined_terms(document) == set(), document.get("type")


def test_the_shipped_files_are_the_contexts_documents_name() -> None:
    assert set(jsonld.SHIPPED) == {jsonld.AS_CONTEXT, jsonld.SECURITY_CONTEXT}
    assert jsonld.SHIPPED[jsonld.AS_CONTEXT]["as"] == "https://www.w3.org/ns/activitystreams#"
    assert jsonld.SHIPPED[jsonld.SECURITY_CONTEXT]["publicKeyPem"] == "sec:publicKeyPem"
    # The check is a real one: an unknown term, an unknown type, an unshipped context.
    bare = {"@context": jsonld.AS_CONTEXT, "type": "Note", "content": "x"}
    assert jsonld.undefined_terms({**bare, "sensitive": True}) == {"sensitive"}
    assert jsonld.undefined_terms({**bare, "type": "Hashtag"}) == {"Hashtag"}
    assert jsonld.undefined_terms({**bare, "tag": [{"type": "Emoji"}]}) == {"Emoji"}
    assert jsonld.undefined_terms({**bare, "ical:status": "X"}) == {"ical:status"}
    with pytest.raises(KeyError):
        jsonld.undefined_terms({**bare, "@context": "https://example.org/other"})


def test_every_document_emitted_uses_shipped_contexts_and_defined_terms(client: Client) -> None:
    community = CommunityFactory.create(slug="voisins")
    owner = UserFactory.create()
    Membership.objects.create(community=community, user=owner, role=Membership.Role.OWNER)
    follower = RemoteActor.objects.create(
        uri="https://remote.example/users/alice",
        domain="remote.example",
        inbox="https://remote.example/users/alice/inbox",
        key_id="https://remote.example/users/alice#main-key",
        public_key_pem="-",
        fetched_at=timezone.now(),
    )
    Follower.objects.create(community=community, actor=follower)
    inbox.receive(
        {
            "@context": jsonld.AS_CONTEXT,
            "id": "https://remote.example/follows/1",
            "type": "Follow",
            "actor": follower.uri,
            "object": "https://essaim.test/communities/voisins/",
        },
        follower,
    )
    campaign = CampaignFactory.create(slug="nettoyage", created_by=owner)
    CampaignHost.objects.create(
        campaign=campaign, community=community, status=CampaignHost.Status.ACCEPTED
    )
    starts = timezone.now() + timedelta(days=5)
    fields: dict[str, Any] = {
        "title": "Ramassage",
        "address": "Quai de Valmy",
        "city": "Paris",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "capacity": 20,
        "latitude": 48.87,
        "longitude": 2.36,
    }
    event = event_create(actor=owner, campaign=campaign, **fields)
    event_update(actor=owner, event=event, **{**fields, "title": "Grand ramassage"})
    post = post_create(author=owner, community=community, body="Réunion *jeudi*")

    served = [
        "/federation/actor",
        "/federation/actor/outbox",
        "/communities/voisins/",
        "/federation/communities/voisins/outbox",
        "/federation/communities/voisins/followers",
        post.get_absolute_url(),
        event.get_absolute_url(),
    ]
    for url in served:
        response = client.get(url, HTTP_ACCEPT=AP)
        assert response.status_code == 200, url
        check(json.loads(response.content))

    event_cancel(actor=owner, event=event)
    post_delete(actor=owner, post=post)
    delivered = [message.payload["activity"] for message in delivery.deliveries()]
    kinds = {(activity["type"], _object_type(activity)) for activity in delivered}
    assert kinds >= {
        ("Accept", "Follow"),
        ("Create", "Event"),
        ("Update", "Event"),
        ("Announce", "Create"),
        ("Announce", ""),
        ("Create", "Note"),
        ("Delete", "Tombstone"),
    }
    for activity in delivered:
        check(activity)


def _object_type(activity: dict[str, Any]) -> str:
    inner = activity.get("object")
    return str(inner.get("type", "")) if isinstance(inner, dict) else ""
