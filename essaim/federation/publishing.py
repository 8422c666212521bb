"""What a public community sends its remote followers: its posts and its events, created,
updated and deleted. Each activity goes once to each inbox (shared inboxes merged), and the
group announces the object too (Mastodon ignores an Announce of a Create, FEP-1b12 groups
send one): Create, Announce(Create) and Announce(object).

A post whose author opted in to the fediverse is theirs (attributedTo): their own followers
get its Create and Delete from them too, signed with their key."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from essaim.accounts.models import User
from essaim.campaigns.models import CampaignHost, Event, Rsvp
from essaim.communities.models import Community, Post
from essaim.core.models import Moderation
from essaim.federation import actors, delivery, documents
from essaim.federation.models import Follower


def follower_inboxes(community: Community) -> list[str]:
    return _inboxes(Follower.objects.filter(community=community))


def _inboxes(followers_of: QuerySet[Follower]) -> list[str]:
    """One inbox per server (its shared inbox when it has one), blocked servers left out."""
    followers = list(followers_of.select_related("actor"))
    blocked = actors.blocked_among({follower.actor.domain for follower in followers})
    inboxes: dict[str, None] = {}
    for follower in followers:
        if follower.actor.domain not in blocked:
            inboxes[follower.actor.delivery_inbox] = None
    return list(inboxes)


def _activity_id(object_id: str, kind: str) -> str:
    return f"{object_id}#{kind.lower()}-{int(timezone.now().timestamp() * 1000)}"


def _send(community: Community, activities: list[dict[str, Any]]) -> int:
    inboxes = follower_inboxes(community)
    for inbox in inboxes:
        for activity in activities:
            delivery.enqueue(inbox=inbox, activity=activity, community_id=community.pk)
    return len(inboxes) * len(activities)


def _publish(community: Community, obj: dict[str, Any], change: str) -> int:
    """Create (with both announces), Update or Delete `obj` from the community's group."""
    group = documents.community_id(community)
    audience = {"to": [documents.PUBLIC], "cc": [documents.community_url(community, "followers")]}
    if change == "deleted":
        tombstone = {"id": obj["id"], "type": "Tombstone"}
        return _send(
            community,
            [
                documents.activity(
                    "Delete", group, tombstone, _activity_id(obj["id"], "delete"), **audience
                )
            ],
        )
    kind = "Create" if change == "created" else "Update"
    wrapped = documents.activity(kind, group, obj, _activity_id(obj["id"], kind), **audience)
    inner = {key: value for key, value in wrapped.items() if key != "@context"}
    activities = [wrapped]
    if kind == "Create":
        activities += [
            documents.activity(
                "Announce", group, inner, _activity_id(obj["id"], "announce-create"), **audience
            ),
            documents.activity(
                "Announce", group, obj["id"], _activity_id(obj["id"], "announce"), **audience
            ),
        ]
    return _send(community, activities)


def post_changed(*, post_id: int, community_id: int, change: str) -> None:
    """communities.post_changed: a visible post of a public community goes to its followers."""
    post = Post.objects.select_related("community", "author").filter(pk=post_id).first()
    if post is None or not actors.is_federated(post.community):
        return
    if change == "created" and post.moderation != Moderation.VISIBLE:
        return
    note = documents.note(post)
    _publish(post.community, note, change)
    if post.author.is_on_fediverse:
        _publish_as_person(post.author, note, change)


def _publish_as_person(person: User, obj: dict[str, Any], change: str) -> None:
    """Create or Delete `obj` from its author, to the servers that follow them."""
    actor = documents.person_id(person.handle)
    audience = {"to": [documents.PUBLIC], "cc": [documents.person_url(person.handle, "followers")]}
    if change == "deleted":
        kind, sent = "Delete", {"id": obj["id"], "type": "Tombstone"}
    else:
        kind, sent = "Create", obj
    activity = documents.activity(kind, actor, sent, _activity_id(obj["id"], kind), **audience)
    for inbox in _inboxes(Follower.objects.filter(person=person)):
        delivery.enqueue(inbox=inbox, activity=activity, community_id=None, person_id=person.pk)


def event_communities(event: Event) -> list[Community]:
    """The public communities that host the event's campaign, if the campaign is public."""
    campaign = event.campaign
    if campaign.status == campaign.Status.DRAFT or campaign.moderation != Moderation.VISIBLE:
        return []
    hosts = CampaignHost.objects.filter(
        campaign=campaign, status=CampaignHost.Status.ACCEPTED, community__isnull=False
    ).select_related("community")
    return [
        host.community
        for host in hosts
        if host.community is not None and actors.is_federated(host.community)
    ]


def participant_count(event: Event) -> int:
    return Rsvp.objects.filter(event=event, status=Rsvp.Status.CONFIRMED).count()


def event_changed(*, event_id: int, change: str) -> None:
    """campaigns.event_changed: the event goes to the followers of each community hosting it."""
    event = Event.objects.select_related("campaign").filter(pk=event_id).first()
    if event is None:
        return
    kind = {"published": "created", "updated": "updated", "withdrawn": "deleted"}[change]
    participants = participant_count(event)
    for community in event_communities(event):
        _publish(community, documents.event(event, community, participants), kind)


def person_federation_changed(*, user_id: int, handle: str, federated: bool) -> None:
    """accounts.federation_changed: opting in makes the person's keys (and records the name
    their actor answers to); opting out, or deleting the account, sends Delete(Person) to the
    servers that follow them, signed with their key, and forgets those followers."""
    if federated:
        person = User.objects.get(pk=user_id)
        actors.person_keys(person)
        return
    if actors.person_actor(user_id) is None:
        return
    inboxes = _inboxes(Follower.objects.filter(person_id=user_id))
    actor = documents.person_id(handle)
    delete = documents.activity(
        "Delete", actor, actor, _activity_id(actor, "delete"), to=[documents.PUBLIC]
    )
    for inbox in inboxes:
        delivery.enqueue(inbox=inbox, activity=delete, community_id=None, person_id=user_id)
    Follower.objects.filter(person_id=user_id).delete()


def person_profile_changed(*, user_id: int) -> None:
    """accounts.profile_changed: the servers that follow the person get their new `Person`."""
    person = User.objects.filter(pk=user_id).first()
    if person is None or not person.is_on_fediverse:
        return
    document = documents.person(person, actors.person_keys(person).public_key_pem)
    actor = document["id"]
    inner = {key: value for key, value in document.items() if key != "@context"}
    update = documents.activity(
        "Update", actor, inner, _activity_id(actor, "update"), to=[documents.PUBLIC]
    )
    for inbox in _inboxes(Follower.objects.filter(person=person)):
        delivery.enqueue(inbox=inbox, activity=update, community_id=None, person_id=person.pk)
