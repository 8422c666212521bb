"""Posts and events delivered to remote followers through the outbox, and what becomes of
deliveries that fail."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services.events import (
    event_cancel,
    event_create,
    event_decide,
    event_set_capacity,
    event_update,
)
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.models import Community, Membership
from essaim.communities.services import post_create, post_delete
from essaim.communities.tests.factories import CommunityFactory
from essaim.core import outbox
from essaim.core.models import Moderation, OutboxMessage
from essaim.federation import actors, delivery, services
from essaim.federation.models import Follower, RemoteActor
from essaim.federation.tests.peer import Peer
from essaim.moderation import services as moderation
from essaim.moderation.models import Action, Case

pytestmark = pytest.mark.django_db

GROUP = "https://essaim.test/communities/voisins/"


def remote(peer: Peer, name: str) -> RemoteActor:
    peer.add_actor(name)
    return actors.remote_actor(peer.actor_uri(name))


def followed_community(peer: Peer, *names: str) -> Community:
    community = CommunityFactory.create(slug="voisins")
    for name in names:
        Follower.objects.create(community=community, actor=remote(peer, name))
    return community


def member(community: Community) -> User:
    user = UserFactory.create()
    Membership.objects.create(community=community, user=user, role=Membership.Role.OWNER)
    return user


def test_a_post_goes_once_per_shared_inbox_with_both_announces(peer: Peer) -> None:
    community = followed_community(peer, "alice", "bob")
    post = post_create(author=member(community), community=community, body="Réunion jeudi")
    messages = delivery.deliveries()
    assert messages.count() == 3  # two followers, one server: one inbox
    assert outbox.dispatch(here=True) == 3
    kinds = [(d.path, d.json["type"]) for d in peer.received]
    assert kinds == [("/inbox", "Create"), ("/inbox", "Announce"), ("/inbox", "Announce")]
    create, announce_create, announce = (d.json for d in peer.received)
    note_id = f"https://essaim.test/communities/voisins/posts/{post.pk}/"
    assert create["actor"] == GROUP
    assert create["object"]["id"] == note_id
    assert create["object"]["content"] == "<p>Réunion jeudi</p>\n"
    assert announce_create["object"]["type"] == "Create"
    assert announce["object"] == note_id
    assert all(
        d.headers["signature"].startswith(f'keyId="{GROUP}#main-key"') for d in peer.received
    )
    assert set(messages.values_list("state", flat=True)) == {OutboxMessage.State.SENT}

    post_delete(actor=post.author, post=post)
    outbox.dispatch(here=True)
    deleted = peer.received[-1].json
    assert deleted["type"] == "Delete"
    assert deleted["object"] == {"id": note_id, "type": "Tombstone"}


def test_a_private_community_sends_nothing(peer: Peer) -> None:
    community = followed_community(peer, "alice")
    community.visibility = Community.Visibility.PRIVATE
    community.save()
    post_create(author=member(community), community=community, body="Entre nous")
    assert not delivery.deliveries().exists()


def test_an_event_goes_out_as_a_mobilizon_event_with_its_place(peer: Peer) -> None:
    community = followed_community(peer, "alice")
    owner = member(community)
    campaign = CampaignFactory.create(slug="nettoyage", created_by=owner, title="Berges propres")
    CampaignHost.objects.create(
        campaign=campaign, community=community, status=CampaignHost.Status.ACCEPTED
    )
    starts = timezone.now() + timedelta(days=5)
    event = event_create(
        actor=owner,
        campaign=campaign,
        title="Ramassage",
        address="Quai de Valmy",
        city="Paris",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=20,
        description="Gants fournis.\nVenez nombreux.",
        latitude=48.87,
        longitude=2.36,
    )
    outbox.dispatch(here=True)
    create = peer.received[0].json
    obj = create["object"]
    assert create["type"] == "Create"
    assert obj["type"] == "Event"
    assert obj["name"] == "Ramassage"
    assert obj["startTime"] == event.starts_at.isoformat()
    assert obj["location"]["type"] == "Place"
    assert obj["location"]["address"]["addressLocality"] == "Paris"
    assert (obj["location"]["latitude"], obj["location"]["longitude"]) == (48.87, 2.36)
    assert "Quai de Valmy, Paris" in obj["summary"] and "Gants fournis." in obj["summary"]
    assert obj["maximumAttendeeCapacity"] == 20
    assert obj["attributedTo"] == GROUP
    assert obj["attachment"][0]["href"] == "https://essaim.test/campaigns/nettoyage/"

    event_decide(actor=owner, event=event, approve=False)
    outbox.dispatch(here=True)
    assert peer.received[-1].json["type"] == "Delete"


@pytest.mark.parametrize(
    "status, state",
    [
        (500, OutboxMessage.State.PENDING),
        (429, OutboxMessage.State.PENDING),
        (410, OutboxMessage.State.DEAD),
        (400, OutboxMessage.State.DEAD),
    ],
)
def test_failed_deliveries_are_retried_or_dropped_and_counted(
    peer: Peer, status: int, state: str
) -> None:
    community = followed_community(peer, "alice")
    peer.status = status
    with_one = delivery.enqueue(
        inbox=f"{peer.origin}/inbox", activity={"type": "Note"}, community_id=community.pk
    )
    outbox.dispatch(here=True)
    with_one.refresh_from_db()
    assert with_one.state == state
    assert delivery.dropped_count() == (1 if state == OutboxMessage.State.DEAD else 0)
    if state == OutboxMessage.State.PENDING:
        assert with_one.due_at > timezone.now() + timedelta(seconds=50)


def test_the_backoff_lasts_a_few_days() -> None:
    backoff = delivery.ACTIVITYPUB_CHANNEL.backoff
    total = sum(
        (backoff.delay(n, uniform=lambda low, high: 1.0) for n in range(1, backoff.max_attempts)),
        timedelta(),
    )
    assert timedelta(days=3) < total < timedelta(days=5)


def test_blocking_a_server_removes_its_followers_and_cancels_its_deliveries(peer: Peer) -> None:
    community = followed_community(peer, "alice")
    admin = UserFactory.create(is_staff=True)
    post_create(author=member(community), community=community, body="Bonjour")
    services.domain_block(actor=admin, domain="https://LOCALHOST/", reason="spam")
    assert not Follower.objects.exists()
    assert set(delivery.deliveries().values_list("state", flat=True)) == {
        OutboxMessage.State.CANCELLED
    }
    assert outbox.dispatch(here=True) == 0
    assert peer.received == []
    with pytest.raises(Exception, match="admins"):
        services.domain_block(actor=UserFactory.create(), domain="example.org")


def test_a_held_post_goes_out_when_approved_and_is_withdrawn_when_hidden(peer: Peer) -> None:
    community = followed_community(peer, "alice")
    owner = member(community)
    author = UserFactory.create()
    Membership.objects.create(community=community, user=author)
    held = post_create(author=author, community=community, body="Acheter des followers ici")
    assert held.moderation == Moderation.HELD
    assert not delivery.deliveries().exists()
    case = Case.objects.get(object_id=held.pk)
    moderation.act(actor=owner, case=case, kind=Action.Kind.RESTORE, reason="Un vrai message")
    outbox.dispatch(here=True)
    assert [d.json["type"] for d in peer.received] == ["Create", "Announce", "Announce"]
    assert peer.received[0].json["object"]["id"].endswith(f"/posts/{held.pk}/")

    moderation.case_reopen(actor=owner, case=case)
    moderation.act(actor=owner, case=case, kind=Action.Kind.HIDE, reason="Finalement non")
    outbox.dispatch(here=True)
    assert peer.received[-1].json["type"] == "Delete"
    assert len(peer.received) == 4
    # Hiding what is hidden already sends nothing more.
    moderation.case_reopen(actor=owner, case=case)
    moderation.act(actor=owner, case=case, kind=Action.Kind.REMOVE, reason="Supprimé")
    assert delivery.deliveries().count() == 4


def test_an_edited_event_goes_out_as_an_update_and_a_cancelled_one_says_so(peer: Peer) -> None:
    community = followed_community(peer, "alice")
    owner = member(community)
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
    }
    event = event_create(actor=owner, campaign=campaign, **fields)
    outbox.dispatch(here=True)
    assert peer.received[0].json["object"]["ical:status"] == "CONFIRMED"
    sent = len(peer.received)

    # The same form sent again changes nothing and sends nothing.
    event_update(actor=owner, event=event, **fields)
    assert delivery.deliveries().count() == sent

    later = starts + timedelta(days=1)
    changes = {
        **fields,
        "title": "Grand ramassage",
        "address": "Quai de Jemmapes",
        "starts_at": later,
        "ends_at": later + timedelta(hours=3),
        "capacity": 30,
    }
    event_update(actor=owner, event=event, **changes)
    outbox.dispatch(here=True)
    update = peer.received[-1].json
    assert len(peer.received) == sent + 1
    assert update["type"] == "Update"
    assert update["actor"] == GROUP
    assert update["object"]["name"] == "Grand ramassage"
    assert update["object"]["startTime"] == later.isoformat()
    assert update["object"]["location"]["address"]["streetAddress"] == "Quai de Jemmapes"
    assert update["object"]["maximumAttendeeCapacity"] == 30

    event_set_capacity(actor=owner, event=event, capacity=25)
    outbox.dispatch(here=True)
    assert peer.received[-1].json["object"]["maximumAttendeeCapacity"] == 25

    event_cancel(actor=owner, event=event)
    event_cancel(actor=owner, event=event)
    outbox.dispatch(here=True)
    assert len(peer.received) == sent + 3
    cancelled = peer.received[-1].json
    assert cancelled["type"] == "Update"
    assert cancelled["object"]["ical:status"] == "CANCELLED"
    assert "ical" in cancelled["@context"][2]
