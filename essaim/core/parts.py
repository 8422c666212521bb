"""Parts of a page that domains above the page's owner contribute.

A page shows what a higher domain owns (a profile shows the person's posts, an aid listing
offers messaging's reply form), and its owner may not import that domain. So the owner names
its page (`"accounts.profile"`) and asks `parts_for(page, **arguments)`; each higher domain
registers, in its AppConfig.ready(), a function that takes those arguments and returns its
part — a template and its context, reads always scoped to the viewer — or None when it has
nothing to show there. The page renders each with `{% render_part part %}` (the essaim tag
library): the part's template, with the page's context and the part's own.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Part:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[..., Part | None]

_providers: dict[str, dict[str, tuple[int, Provider]]] = {}


def register(page: str, name: str, provider: Provider, *, order: int = 100) -> None:
    """Add `name`'s part to `page`, shown by increasing `order`; registering the same name
    again replaces it (ready() may run more than once in tests)."""
    _providers.setdefault(page, {})[name] = (order, provider)


def parts_for(page: str, **arguments: Any) -> list[Part]:
    ordered = sorted(_providers.get(page, {}).items(), key=lambda item: (item[1][0], item[0]))
    return [part for _, (_, provider) in ordered if (part := provider(**arguments)) is not None]
