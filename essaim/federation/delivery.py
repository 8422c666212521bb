"""The "activitypub" outbox channel: one message is one activity for one inbox (a shared inbox
stands for all its server's followers), posted signed by the community that publishes it, or
by the instance.

Retried with a backoff growing to twelve hours, for about four days in all (a server down
for a weekend still gets what it missed); then the message is dead, which is how dropped
deliveries are counted (`dropped_count`). A blocked server's messages are cancelled."""

import json
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet

from essaim.communities.models import Community
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.federation import actors, client

CHANNEL = "activitypub"


def enqueue(
    *,
    inbox: str,
    activity: dict[str, Any],
    community_id: int | None,
    person_id: int | None = None,
) -> OutboxMessage:
    """Write one delivery in the caller's transaction: signed by the community
    `community_id`, or the person `person_id` (a user's id), else by the instance."""
    payload = {"inbox": inbox, "activity": activity, "community_id": community_id}
    if person_id is not None:
        payload["person_id"] = person_id
    return outbox.enqueue(CHANNEL, payload)


def deliver(message: OutboxMessage, _connection: Any) -> outbox.Outcome:
    payload = message.payload
    inbox = str(payload.get("inbox", ""))
    if actors.is_blocked(actors.domain_of(inbox)):
        return outbox.Cancel("the server is blocked")
    community_id = payload.get("community_id")
    person_id = payload.get("person_id")
    if person_id is not None:
        # Signed by the person's key even once they opted out: their Delete is signed so.
        person = actors.person_actor(int(person_id))
        if person is None:
            return outbox.Cancel("the person has no actor")
        signer = actors.person_signer(person)
    elif community_id is None:
        signer = actors.instance_signer()
    else:
        community = Community.objects.filter(pk=community_id).first()
        if community is None or not actors.is_federated(community):
            return outbox.Cancel("the community is gone or private")
        signer = actors.group_signer(community)
    body = json.dumps(payload.get("activity"), separators=(",", ":")).encode()
    answer = client.post(inbox, body, signer)
    if answer.status is not None and 200 <= answer.status < 300:
        return outbox.Sent()
    if answer.status is None or answer.status >= 500 or answer.status == 429:
        return outbox.Retry(answer.reason or f"status {answer.status}")
    return outbox.Fail(f"status {answer.status}")


ACTIVITYPUB_CHANNEL = outbox.Channel(
    name=CHANNEL,
    deliver=deliver,
    # 1 min, 3, 9, 27, 81, then 4 h and 12 h for the rest: almost four days over 14 attempts.
    backoff=outbox.Backoff(
        first=timedelta(minutes=1), factor=3.0, cap=timedelta(hours=12), max_attempts=14
    ),
    batch=20,
    doc="ActivityPub deliveries to remote inboxes, signed by the community or the instance.",
)


def deliveries() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(channel=CHANNEL)


def dropped_count() -> int:
    """Deliveries given up after their last attempt, or refused for good by the receiver."""
    return deliveries().filter(state=OutboxMessage.State.DEAD).count()
