"""What other servers send: checked (size, signature, sender), then handled.

A request is accepted only signed by an actor whose key this instance fetched through the
guarded client (cached; fetched again once when the signature does not match, for a key that
was rotated), from a server that is not blocked, about objects of this instance. The sender
of the activity must be the signer, and whatever it carries (a reply) must be its own.
Refusals are `Refused` with a 4xx status; nothing here answers 500 for what a peer sent.

Handled: Follow and Undo(Follow) of a public community or an opted-in person (accepted at
once), a reply to a post
(a comment, screened like a local one), Join, Leave and Undo(Join) of an event (an RSVP of
the remote person's stand-in account), Delete of what the sender wrote here. Anything else
(Announce, Like, Update...) is acknowledged and dropped: the instance keeps no timeline, and
never re-announces what it received, so announces cannot loop through it."""

import hashlib
import html
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from essaim.accounts.models import User
from essaim.campaigns.models import Event, Rsvp
from essaim.campaigns.services.events import rsvp_cancel, rsvp_create
from essaim.communities.models import Comment, Community, Post
from essaim.communities.services import comment_create
from essaim.core.errors import ApplicationError
from essaim.federation import actors, client, delivery, documents, signatures
from essaim.federation.models import Follower, ReceivedObject, RemoteActor
from essaim.federation.selectors import federated_person, local_target

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
REPLAY_SECONDS = int(signatures.DATE_WINDOW.total_seconds())


@dataclass
class Refused(Exception):
    status: int
    detail: str


def _id_of(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _community(url: str) -> Community:
    target = local_target(url)
    if target is None or target[0] != "communities:detail":
        raise Refused(404, "not a community of this instance")
    community = Community.objects.filter(slug=target[1]["slug"]).first()
    if community is None or not actors.is_federated(community):
        raise Refused(404, "not a community of this instance")
    return community


def _person(url: str) -> User:
    target = local_target(url)
    person = None
    if target is not None and target[0] == "accounts:profile":
        person = federated_person(target[1]["handle"])
    if person is None:
        raise Refused(404, "not an actor of this instance")
    return person


def _followed(url: str) -> dict[str, Any]:
    """The Follower fields naming what `url` is: a public community or an opted-in person."""
    target = local_target(url)
    if target is not None and target[0] == "accounts:profile":
        return {"person": _person(url)}
    return {"community": _community(url)}


def _post(url: str) -> Post | None:
    target = local_target(url)
    if target is None:
        return None
    if target[0] != "communities:post":
        raise Refused(404, "not a post of this instance")
    post = (
        Post.objects.select_related("community")
        .filter(pk=target[1]["pk"], community__slug=target[1]["slug"])
        .first()
    )
    if post is None or not actors.is_federated(post.community):
        raise Refused(404, "not a post of this instance")
    return post


def _event(url: str) -> Event:
    target = local_target(url)
    if target is None or target[0] != "campaigns:event":
        raise Refused(404, "not an event of this instance")
    event = (
        Event.objects.select_related("campaign")
        .filter(pk=target[1]["pk"], campaign__slug=target[1]["slug"])
        .first()
    )
    if event is None:
        raise Refused(404, "not an event of this instance")
    return event


def authenticate(
    *, method: str, path: str, headers: dict[str, str], body: bytes, now: datetime
) -> RemoteActor:
    """The actor that signed this request, or Refused (401 bad signature, 403 blocked)."""
    try:
        signed = signatures.parse(method=method, path=path, headers=headers, body=body, now=now)
    except signatures.SignatureError as error:
        raise Refused(401, str(error)) from error
    if actors.is_blocked(actors.domain_of(signed.key_id)):
        raise Refused(403, "this server is blocked")
    try:
        actor = actors.actor_for_key(signed.key_id)
    except client.FetchError as error:
        raise Refused(401, f"the key could not be fetched: {error}") from error
    try:
        signatures.verify(signed, actor.public_key_pem)
    except signatures.SignatureError:
        # A rotated key: fetched again, once.
        try:
            actor = actors.actor_for_key(signed.key_id, refresh=True)
            signatures.verify(signed, actor.public_key_pem)
        except (client.FetchError, signatures.SignatureError) as error:
            raise Refused(401, f"bad signature: {error}") from error
    # Seen already within the date window: the same request again.
    seen = "federation:signature:" + hashlib.sha256(headers["signature"].encode()).hexdigest()
    if not cache.add(seen, 1, REPLAY_SECONDS):
        raise Refused(409, "this request was received already")
    return actor


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        activity = json.loads(body)
    except ValueError as error:
        raise Refused(400, "not JSON") from error
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Refused(400, "not an activity")
    return activity


def receive(activity: dict[str, Any], actor: RemoteActor) -> str:
    """Handle an authenticated activity; returns what was done (for the log and the tests)."""
    if _id_of(activity.get("actor")) != actor.uri:
        raise Refused(403, "the activity's actor is not the signer")
    activity_id = _id_of(activity)
    if activity_id and actors.domain_of(activity_id) != actor.domain:
        raise Refused(403, "the activity is not from the signer's server")
    kind = activity["type"]
    handler = HANDLERS.get(kind)
    if handler is None:
        return "ignored"
    return handler(activity, actor)


def _follow(activity: dict[str, Any], actor: RemoteActor) -> str:
    followed = _followed(_id_of(activity.get("object")))
    community: Community | None = followed.get("community")
    person: User | None = followed.get("person")
    with transaction.atomic():
        Follower.objects.update_or_create(
            **followed, actor=actor, defaults={"follow_id": _id_of(activity)[:500]}
        )
        if person is not None:
            accepting = documents.person_id(person.handle)
        else:
            assert community is not None
            accepting = documents.community_id(community)
        accept = documents.activity(
            "Accept",
            accepting,
            {key: value for key, value in activity.items() if key != "@context"},
            f"{accepting}#accept-{hashlib.sha256(_id_of(activity).encode()).hexdigest()[:16]}",
            to=[actor.uri],
        )
        if person is not None:
            actors.person_keys(person)
        delivery.enqueue(
            inbox=actor.inbox,
            activity=accept,
            community_id=community.pk if community is not None else None,
            person_id=person.pk if person is not None else None,
        )
    return "followed"


def _undo(activity: dict[str, Any], actor: RemoteActor) -> str:
    inner = activity.get("object")
    inner_id = _id_of(inner)
    inner_type = inner.get("type") if isinstance(inner, dict) else None
    if inner_type == "Follow" or Follower.objects.filter(actor=actor, follow_id=inner_id).exists():
        followed = Follower.objects.filter(actor=actor, follow_id=inner_id)
        if isinstance(inner, dict) and _id_of(inner.get("object")):
            followed = followed | Follower.objects.filter(
                actor=actor, **_followed(_id_of(inner.get("object")))
            )
        followed.delete()
        return "unfollowed"
    received = ReceivedObject.objects.filter(uri=inner_id, actor=actor, rsvp__isnull=False)
    joined = received.select_related("rsvp__event__campaign").first()
    if joined is not None and joined.rsvp is not None and actor.user is not None:
        rsvp_cancel(user=actor.user, event=joined.rsvp.event)
        joined.delete()
        return "left"
    if inner_type == "Join":
        return _leave(activity, actor)
    return "ignored"


def remote_text(markup: str) -> str:
    """Remote HTML as text: every tag dropped (nh3), entities decoded, stored like what a local
    person types, so it is rendered and sanitised as local Markdown is."""
    text = nh3.clean(markup.replace("</p>", "</p>\n\n").replace("<br", "\n<br"), tags=set())
    return html.unescape(text).strip()


def _create(activity: dict[str, Any], actor: RemoteActor) -> str:
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") not in ("Note", "Page", "Article"):
        return "ignored"
    reply_to = _id_of(obj.get("inReplyTo"))
    post = _post(reply_to) if reply_to else None
    if post is None:
        return "ignored"
    uri = _id_of(obj)
    if _id_of(obj.get("attributedTo")) != actor.uri or actors.domain_of(uri) != actor.domain:
        raise Refused(403, "the reply is not the signer's")
    if ReceivedObject.objects.filter(uri=uri).exists():
        return "duplicate"
    content = obj.get("content")
    body = remote_text(content if isinstance(content, str) else "")[: Comment.body.field.max_length]
    if not body:
        raise Refused(422, "the reply is empty")
    user = actors.stand_in(actor)
    try:
        with transaction.atomic():
            comment = comment_create(author=user, post=post, body=body, federated=True)
            ReceivedObject.objects.create(uri=uri[:500], actor=actor, comment=comment)
    except ApplicationError as error:
        raise Refused(422, error.message) from error
    return "commented"


def _join(activity: dict[str, Any], actor: RemoteActor) -> str:
    event = _event(_id_of(activity.get("object")))
    uri = _id_of(activity)
    user = actors.stand_in(actor)
    try:
        with transaction.atomic():
            rsvp = rsvp_create(user=user, event=event)
            if uri:
                ReceivedObject.objects.update_or_create(
                    uri=uri[:500], defaults={"actor": actor, "rsvp": rsvp}
                )
    except ApplicationError as error:
        raise Refused(422, error.message) from error
    return "joined"


def _leave(activity: dict[str, Any], actor: RemoteActor) -> str:
    inner = activity.get("object")
    target = _id_of(inner.get("object")) if isinstance(inner, dict) else _id_of(inner)
    event = _event(target)
    if actor.user is None:
        return "ignored"
    rsvp_cancel(user=actor.user, event=event)
    return "left"


def _delete(activity: dict[str, Any], actor: RemoteActor) -> str:
    target = _id_of(activity.get("object"))
    if target == actor.uri:
        # The account is gone: it follows nothing any more.
        Follower.objects.filter(actor=actor).delete()
        return "actor deleted"
    received = ReceivedObject.objects.filter(uri=target).first()
    if received is None:
        if local_target(target) is not None:
            raise Refused(403, "this object is not the sender's")
        return "ignored"
    if received.actor_id != actor.pk:
        raise Refused(403, "this object is not the sender's")
    with transaction.atomic():
        if received.comment_id is not None:
            Comment.objects.filter(pk=received.comment_id).delete()
        if received.rsvp_id is not None and actor.user is not None:
            rsvp = Rsvp.objects.select_related("event").get(pk=received.rsvp_id)
            rsvp_cancel(user=actor.user, event=rsvp.event)
        received.delete()
    return "deleted"


HANDLERS = {
    "Follow": _follow,
    "Undo": _undo,
    "Create": _create,
    "Join": _join,
    "Leave": _leave,
    "Delete": _delete,
}


def handle(*, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """The whole of an inbox POST: (status, detail)."""
    try:
        activity = parse_body(body)
        actor = authenticate(
            method=method, path=path, headers=headers, body=body, now=timezone.now()
        )
        done = receive(activity, actor)
    except Refused as refusal:
        logger.info(
            "federation: activity refused",
            extra={"status": refusal.status, "detail": refusal.detail},
        )
        return refusal.status, refusal.detail
    logger.info("federation: activity received", extra={"actor": actor.uri, "done": done})
    return 202, done
