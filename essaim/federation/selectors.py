"""Reads for the federation: what is federated, and the counts it publishes."""

from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q
from django.urls import Resolver404, resolve

from essaim.accounts.models import User
from essaim.campaigns.models import Event
from essaim.communities.models import Community, Post
from essaim.core.models import Moderation
from essaim.core.site import site_hostname, site_origin
from essaim.federation import actors, publishing
from essaim.federation.models import Follower


def local_target(url: str) -> tuple[str, dict[str, Any]] | None:
    """(URL name, its arguments) when `url` is a page of this instance, else None."""
    if not url.startswith(site_origin() + "/"):
        return None
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name, match.kwargs


def community_for_resource(resource: str) -> Community | None:
    """The public community a WebFinger `resource` names: `acct:slug@host` or its actor URL."""
    slug = ""
    if resource.startswith("acct:"):
        name, _sep, host = resource[5:].lstrip("@").rpartition("@")
        if host.lower() == site_hostname():
            slug = name
    else:
        target = local_target(resource)
        if target is not None and target[0] == "communities:detail":
            slug = target[1]["slug"]
    if not slug:
        return None
    community = Community.objects.filter(slug=slug).first()
    if community is None or not actors.is_federated(community):
        return None
    return community


def person_for_resource(resource: str) -> User | None:
    """The opted-in person a WebFinger `resource` names: `acct:handle@host` or their profile's
    URL; None for anyone else (who did not opt in is not an actor, not even a 404 that
    differs)."""
    handle = ""
    if resource.startswith("acct:"):
        name, _sep, host = resource[5:].lstrip("@").rpartition("@")
        if host.lower() == site_hostname():
            handle = name
    else:
        target = local_target(resource)
        if target is not None and target[0] == "accounts:profile":
            handle = target[1]["handle"]
    return federated_person(handle) if handle else None


def federated_person(handle: str) -> User | None:
    person = User.objects.filter(handle=handle).first()
    return person if person is not None and person.is_on_fediverse else None


def person_public_post_count(person: User) -> int:
    return Post.objects.filter(
        author=person,
        moderation=Moderation.VISIBLE,
        community__visibility=Community.Visibility.PUBLIC,
    ).count()


def person_follower_count(person: User) -> int:
    return Follower.objects.filter(person=person).count()


def public_post_count(community: Community) -> int:
    return Post.objects.filter(community=community, moderation=Moderation.VISIBLE).count()


def remote_follower_count(community: Community) -> int:
    return Follower.objects.filter(community=community).count()


def federated_post(*, slug: str, pk: int) -> Post | None:
    post = (
        Post.objects.select_related("community")
        .filter(pk=pk, community__slug=slug, moderation=Moderation.VISIBLE)
        .first()
    )
    if post is None or not actors.is_federated(post.community):
        return None
    return post


def federated_event(*, slug: str, pk: int) -> tuple[Event, Community, int] | None:
    event = (
        Event.objects.select_related("campaign")
        .filter(
            pk=pk,
            campaign__slug=slug,
            status__in=(Event.Status.APPROVED, Event.Status.CANCELLED),
        )
        .first()
    )
    if event is None:
        return None
    communities = publishing.event_communities(event)
    if not communities:
        return None
    return event, communities[0], publishing.participant_count(event)


def usage() -> dict[str, Any]:
    """NodeInfo's usage: local accounts (not remote people's stand-ins), public posts."""
    people = User.objects.filter(is_active=True, remote_actor__isnull=True).exclude(
        Q(is_guest=True) | Q(deleted_at__isnull=False)
    )
    return {
        "users": {"total": people.count()},
        "localPosts": Post.objects.filter(
            moderation=Moderation.VISIBLE, community__visibility=Community.Visibility.PUBLIC
        ).count(),
    }
