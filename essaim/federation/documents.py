"""The ActivityStreams documents of this instance: its actors (the instance, its public
communities), their collections, and the objects they publish (posts as `Note`, events as
Mobilizon-style `Event` with a `Place`).

Documents are plain compacted JSON-LD with the contexts named by URL, each shipped with the
instance (`jsonld`); this instance never expands JSON-LD, so it never fetches a context, and it
reads what it receives by the compact names that every server sends."""

from typing import Any

from django.urls import reverse
from django.utils.html import escape

from essaim.accounts.models import User
from essaim.campaigns.models import Event
from essaim.communities.models import Community, Post
from essaim.core.markdown import render_markdown
from essaim.core.site import absolute_url, site_hostname
from essaim.federation.jsonld import AS_CONTEXT, EXTENSIONS, SECURITY_CONTEXT

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# The contexts named by URL are shipped in `contexts/` (see `jsonld`), never fetched; the
# extension terms (Mastodon's, Mobilizon's) go inline, from the shipped file too.
CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]
SUMMARY_LENGTH = 500


def community_id(community: Community) -> str:
    return absolute_url(community.get_absolute_url())


def community_url(community: Community, name: str) -> str:
    return absolute_url(reverse(f"federation:{name}", kwargs={"slug": community.slug}))


def person_id(handle: str) -> str:
    """A person's actor is their profile page (by the handle it was named by)."""
    return absolute_url(reverse("accounts:profile", kwargs={"handle": handle}))


def person_url(handle: str, name: str) -> str:
    return absolute_url(reverse(f"federation:person_{name}", kwargs={"handle": handle}))


def author_id(post: Post) -> str:
    """Who a post is attributed to: its author if they opted in to the fediverse, else the
    community alone (nothing about a person who did not is sent)."""
    if post.author.is_on_fediverse:
        return person_id(post.author.handle)
    return community_id(post.community)


def instance_id() -> str:
    return absolute_url(reverse("federation:instance_actor"))


def shared_inbox() -> str:
    return absolute_url(reverse("federation:shared_inbox"))


def key_id(actor_id: str) -> str:
    return f"{actor_id}#main-key"


def _public_key(actor_id: str, public_key_pem: str) -> dict[str, str]:
    return {"id": key_id(actor_id), "owner": actor_id, "publicKeyPem": public_key_pem}


def instance_actor(public_key_pem: str) -> dict[str, Any]:
    """The instance's own actor: it signs the fetches (of keys, of actors), as servers that
    ask for signed fetches ("authorized fetch") require."""
    actor = instance_id()
    return {
        "@context": CONTEXT,
        "id": actor,
        "type": "Application",
        "preferredUsername": site_hostname(),
        "name": "Essaim",
        "inbox": shared_inbox(),
        "outbox": absolute_url(reverse("federation:instance_outbox")),
        "url": absolute_url("/"),
        "manuallyApprovesFollowers": True,
        "publicKey": _public_key(actor, public_key_pem),
    }


def group(community: Community, public_key_pem: str) -> dict[str, Any]:
    """A public community as a `Group` that anyone follows without approval (Lemmy and
    FEP-1b12 groups, Mobilizon groups)."""
    actor = community_id(community)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": actor,
        "type": "Group",
        "preferredUsername": community.slug,
        "name": community.name,
        "summary": str(render_markdown(community.description)),
        "url": actor,
        "inbox": community_url(community, "inbox"),
        "outbox": community_url(community, "outbox"),
        "followers": community_url(community, "followers"),
        "endpoints": {"sharedInbox": shared_inbox()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": _public_key(actor, public_key_pem),
    }
    return document


def person(user: User, public_key_pem: str) -> dict[str, Any]:
    """A person who opted in, as a `Person`: what their public profile shows (their name and
    their words about themselves), nothing else."""
    actor = person_id(user.handle)
    return {
        "@context": CONTEXT,
        "id": actor,
        "type": "Person",
        "preferredUsername": user.handle,
        "name": user.display_name,
        "summary": str(render_markdown(user.bio)),
        "url": actor,
        "inbox": person_url(user.handle, "inbox"),
        "outbox": person_url(user.handle, "outbox"),
        "followers": person_url(user.handle, "followers"),
        "endpoints": {"sharedInbox": shared_inbox()},
        "manuallyApprovesFollowers": False,
        "discoverable": False,
        "publicKey": _public_key(actor, public_key_pem),
    }


def collection(collection_id: str, total: int) -> dict[str, Any]:
    """A collection shown by its size alone (who follows a community is not published)."""
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }


def note(post: Post) -> dict[str, Any]:
    community = post.community
    followers = community_url(community, "followers")
    url = absolute_url(post.get_absolute_url())
    return {
        "id": url,
        "type": "Note",
        "attributedTo": author_id(post),
        "audience": community_id(community),
        "content": str(render_markdown(post.body)),
        "mediaType": "text/html",
        "source": {"content": post.body, "mediaType": "text/markdown"},
        "url": url,
        "published": post.created_at.isoformat(),
        "to": [PUBLIC],
        "cc": [followers],
    }


def _summary(event: Event) -> str:
    """Mastodon shows an Event as its name and summary: the summary says when and where."""
    when = event.starts_at.strftime("%Y-%m-%d %H:%M UTC")
    where = ", ".join(part for part in (event.address, event.city) if part)
    text = event.description.strip().splitlines()[0] if event.description.strip() else ""
    lines = [f"{when} — {where}", text[:SUMMARY_LENGTH]]
    return "".join(f"<p>{escape(line)}</p>" for line in lines if line)


def event(event: Event, community: Community, participants: int) -> dict[str, Any]:
    """An event as Mobilizon sends it, attributed to the community that hosts its campaign,
    with a link to the campaign's page."""
    url = absolute_url(event.get_absolute_url())
    place: dict[str, Any] = {
        "type": "Place",
        "name": event.address,
        "address": {
            "type": "PostalAddress",
            "streetAddress": event.address,
            "addressLocality": event.city,
        },
    }
    if event.latitude is not None and event.longitude is not None:
        place["latitude"], place["longitude"] = float(event.latitude), float(event.longitude)
    return {
        "id": url,
        "type": "Event",
        "name": event.title,
        "summary": _summary(event),
        "content": str(render_markdown(event.description)),
        "mediaType": "text/html",
        "startTime": event.starts_at.isoformat(),
        "endTime": event.ends_at.isoformat(),
        "location": place,
        # Mobilizon's status (iCalendar's STATUS): a cancelled event stays, marked so.
        "ical:status": "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED",
        "joinMode": "free",
        "isOnline": False,
        "maximumAttendeeCapacity": event.capacity,
        "remainingAttendeeCapacity": max(event.capacity - participants, 0),
        "participantCount": participants,
        "attributedTo": community_id(community),
        "audience": community_id(community),
        "url": url,
        "attachment": [
            {
                "type": "Link",
                "name": event.campaign.title,
                "href": absolute_url(event.campaign.get_absolute_url()),
            }
        ],
        "published": event.created_at.isoformat(),
        "updated": event.updated_at.isoformat(),
        "to": [PUBLIC],
        "cc": [community_url(community, "followers")],
    }


def activity(kind: str, actor: str, obj: Any, activity_id: str, **extra: Any) -> dict[str, Any]:
    document = {
        "@context": CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": obj,
        **extra,
    }
    return document
