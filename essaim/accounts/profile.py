"""The registry of what a profile page shows beyond the person's own card.

The domains above accounts (communities' posts, ...) own that content, and accounts may not
import them; each registers, in its AppConfig.ready(), a function that returns its part of the
profile as seen by the viewer (always visibility-scoped), or None when it has nothing to show.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User


@dataclass(frozen=True)
class Part:
    """A piece of the profile page: `template` is included with `part` in its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[User | AnonymousUser, User], Part | None]

_providers: dict[str, tuple[int, Provider]] = {}


def register(name: str, provider: Provider, *, order: int = 100) -> None:
    """Add a domain's part, shown by increasing `order`; registering the same name again
    replaces it (ready() may run more than once in tests)."""
    _providers[name] = (order, provider)


def parts_for(viewer: User | AnonymousUser, person: User) -> list[Part]:
    ordered = sorted(_providers.items(), key=lambda item: (item[1][0], item[0]))
    return [part for _, (_, provider) in ordered if (part := provider(viewer, person))]
