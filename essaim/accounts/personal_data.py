"""The registry of personal data, so export and deletion cover every domain.

Each domain registers, in its AppConfig.ready(), one section: how to export what it holds about
a person (JSON-serialisable), and how to erase it when the person deletes their account. Content
others rely on (posts, listings, messages) stays, attached to the anonymised account; only what
identifies the person or is private to them goes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from essaim.accounts.models import User


@dataclass(frozen=True)
class Section:
    name: str
    export: Callable[[User], Any]
    erase: Callable[[User], None] | None = None


_sections: dict[str, Section] = {}


def register(
    name: str, *, export: Callable[[User], Any], erase: Callable[[User], None] | None = None
) -> None:
    """Add a domain's section; registering the same name again replaces it (app reloads)."""
    _sections[name] = Section(name=name, export=export, erase=erase)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda section: section.name)


def export_for(user: User) -> dict[str, Any]:
    return {section.name: section.export(user) for section in sections()}


def erase_for(user: User) -> None:
    for section in sections():
        if section.erase is not None:
            section.erase(user)
