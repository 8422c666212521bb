"""What accounts announce; the domains above subscribe in their `AppConfig.ready()`
(federation gives an opted-in person an actor, and deletes it when they opt out), so accounts
imports none of them. Payloads are JSON-safe (see `core.events`)."""

from essaim.core.events import Event

FEDERATION_CHANGED = Event(
    "accounts.federation_changed",
    doc=(
        "A person opted in to the fediverse or out of it (or deleted their account while in), "
        "inside that transaction: user_id, handle (the one their actor was named by, before a "
        "deletion renames it), federated (bool)."
    ),
)

PROFILE_CHANGED = Event(
    "accounts.profile_changed",
    doc=(
        "A person on the fediverse changed what their profile shows of them there (their "
        "name, their bio), inside that transaction: user_id."
    ),
)
