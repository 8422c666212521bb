"""What the communities announce; the domains above subscribe in their `AppConfig.ready()`
(federation delivers a public community's posts to its remote followers), so communities
imports none of them. Payloads are JSON-safe (see `core.events`)."""

from essaim.core.events import Event

POST_CHANGED = Event(
    "communities.post_changed",
    doc=(
        "A post became visible (published so, or approved or restored by a moderator later) "
        "or stopped being visible (about to be deleted, before the delete so the post can "
        "still be read; or hidden or removed by a moderator), inside the writer's "
        "transaction: post_id, community_id, change ('created' or 'deleted')."
    ),
)
