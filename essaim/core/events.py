"""Domain events: a lower domain announces what happened, higher ones subscribe.

The layers (core → accounts → communities → {campaigns, aid, messaging} → {relay, webhooks,
notifications, moderation, reach, feed} → {api, demo}) forbid a domain to import one above
it. So a domain declares its events in its own `events.py` (`SIGNATURE_SETTLED =
Event("campaigns.signature_settled")`) and publishes them; the domains above subscribe in
their `AppConfig.ready()`.

Two kinds of subscriber, because they fail differently:

- `subscribe(handler)`: called at once, inside the publisher's transaction. What it writes
  (an outbox row, a notification, a supporter record) commits or rolls back with the fact
  that caused it, so a crash between the two can lose nothing. Keep such handlers to
  database writes; an exception rolls the publisher back, as it should.
- `subscribe(handler, after_commit=True)`: called once the publisher's transaction has
  committed (at once outside one), for what must not run on a fact that may yet roll back
  (enqueueing a task). A failure there is logged and does not undo the committed fact, so
  durable consequences belong in the first kind.

Payloads are keyword arguments of JSON-safe values (ids, not model instances), so a handler
can hand them to a task or an outbox row unchanged.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., None]

_declared: dict[str, "Event"] = {}


@dataclass(eq=False)
class Event:
    name: str
    doc: str = ""
    _now: list[Handler] = field(default_factory=list, repr=False)
    _after_commit: list[Handler] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.name in _declared:
            raise ValueError(f"event {self.name!r} is declared twice")
        _declared[self.name] = self

    def subscribe(self, handler: Handler, *, after_commit: bool = False) -> None:
        """Register `handler`; registering the same one again changes nothing (ready() may run
        more than once in tests)."""
        handlers = self._after_commit if after_commit else self._now
        if handler not in handlers:
            handlers.append(handler)

    def publish(self, **payload: Any) -> None:
        for handler in self._now:
            handler(**payload)
        for handler in self._after_commit:
            transaction.on_commit(partial(_run_after_commit, self, handler, payload))

    def subscribers(self) -> list[Handler]:
        return [*self._now, *self._after_commit]


def _run_after_commit(event: Event, handler: Handler, payload: dict[str, Any]) -> None:
    try:
        handler(**payload)
    # The fact is committed whatever happens here: one subscriber must not stop the others.
    except Exception:
        logger.exception(
            "event subscriber failed",
            extra={"event": event.name, "handler": getattr(handler, "__qualname__", "?")},
        )


def declared() -> list[Event]:
    """Every event declared so far, by name (the README's table, the admin)."""
    return sorted(_declared.values(), key=lambda event: event.name)
