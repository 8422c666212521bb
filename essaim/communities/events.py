"""What the communities announce; the domains above subscribe in their `AppConfig.ready()`
(federation delivers a public community's posts to its remote followers), so communities
imports none of them. Payloads are JSON-safe (see `core.events`)."""

from essaim.core.events import Event

POST_CHANGED = Event(
    "communities.post_changed",
    doc=(
        "A post was published visible or is about to be deleted, inside the writer's "
        "transaction (before the delete, so the post can still be read): post_id, "
        "community_id, change ('created' or 'deleted')."
    ),
)
