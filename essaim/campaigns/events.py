"""What the campaigns announce; the domains above subscribe in their `AppConfig.ready()`
(relay records the supporters, webhooks tell the hosts' endpoints, notifications tell the
hosts), so campaigns imports none of them. Payloads are JSON-safe (see `core.events`)."""

from essaim.core.events import Event

SIGNATURES_SETTLED = Event(
    "campaigns.signatures_settled",
    doc=(
        "A batch of one pledge's signatures was settled (counted), inside the settle's "
        "transaction: campaign_id, pledge_id, signatures=[{id, user_id, via, at}] with `via` "
        "the share link code the signer came through ('' if none) and `at` the signing time "
        "(ISO 8601)."
    ),
)

PARTICIPANTS_SETTLED = Event(
    "campaigns.participants_settled",
    doc=(
        "A batch of one challenge's new participants was settled, inside the settle's "
        "transaction: campaign_id, challenge_id, participants=[{id, user_id, via, at}] (as "
        "signatures_settled's)."
    ),
)

MILESTONE_REACHED = Event(
    "campaigns.milestone_reached",
    doc="A campaign's count crossed a threshold, recorded once: milestone_id, campaign_id.",
)

HOST_INVITED = Event(
    "campaigns.host_invited",
    doc=(
        "A person was invited to co-host a campaign (or again, after declining), inside the "
        "inviter's transaction: host_id, user_id, campaign_id, campaign_title, campaign_url, "
        "invited_by_name, invited_at (ISO 8601)."
    ),
)

HOST_ACCEPTED = Event(
    "campaigns.host_accepted",
    doc=(
        "A person accepted to co-host a campaign, inside their answer's transaction: host_id, "
        "user_id, campaign_id."
    ),
)

ACTED = Event(
    "campaigns.acted",
    doc=(
        "A person answered an event or gave (once the gift succeeded), inside the action's "
        "transaction: campaign_id, user_id, action ('rsvp' or 'give'), via (the share link "
        "code they came through, '' if none), at (ISO 8601)."
    ),
)

RSVP_ANSWERED = Event(
    "campaigns.rsvp_answered",
    doc=(
        "A person answered an event (a place or the waiting list, again after cancelling "
        "too), inside the answer's transaction: rsvp_id, campaign_id."
    ),
)

RSVP_PROMOTED = Event(
    "campaigns.rsvp_promoted",
    doc=(
        "A place freed and went to the head of the waiting list, inside that transaction: "
        "rsvp_id, user_id, position (the answer's place in the queue)."
    ),
)

GIFT_SUCCEEDED = Event(
    "campaigns.gift_succeeded",
    doc="A gift was received, inside the payment's transaction: donation_id, campaign_id.",
)

SIGNATURES_INVALIDATED = Event(
    "campaigns.signatures_invalidated",
    doc=(
        "A host or a moderator set a batch of a pledge's signatures aside (they no longer "
        "count), inside that transaction: invalidation_id, campaign_id, pledge_id, actor_id, "
        "count, reason (the actor's words)."
    ),
)

SIGNATURES_RESTORED = Event(
    "campaigns.signatures_restored",
    doc=(
        "An invalidated batch was restored (its signatures count again), inside that "
        "transaction: invalidation_id, campaign_id, pledge_id, actor_id, count (the signatures "
        "counted again), reason (the batch's)."
    ),
)

EVENT_CHANGED = Event(
    "campaigns.event_changed",
    doc=(
        "An event was approved (at creation by a host, or later), changed by its hosts (its "
        "title, description, place, times or places) or cancelled (its status says so), or "
        "declined, inside the writer's transaction: event_id, change ('published', "
        "'updated' or 'withdrawn')."
    ),
)

EVENT_ALTERED = Event(
    "campaigns.event_altered",
    doc=(
        "A published event changed in a way its people must hear of (called off, other times, "
        "another place), inside the host's transaction: event_id, cancelled, rescheduled, "
        "moved (booleans)."
    ),
)
