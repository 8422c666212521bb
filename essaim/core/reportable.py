"""The registry of reportable content, so moderation handles every kind without knowing any.

Each domain that owns something people may report registers, in its AppConfig.ready(), one
entry per kind (from its own `reportable.py`): how to find it for a given person (one may only
report what one can see), who wrote it, whose moderators handle it, how to show and link it,
and — for content — how to hide, remove, restore or label it, through the owner's services.
Moderation reads only this registry: it never imports the owners' models nor writes their
tables, and a new kind of content becomes reportable by registering it.

People here are the accounts' User; core sits below accounts and cannot name the class.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model
from django.utils.functional import Promise

from essaim.core.models import Moderated

T = TypeVar("T", bound=Model)
M = TypeVar("M", bound=Moderated)


def _no_community(_target: Any) -> int | None:
    return None


def _no_address(_target: Any) -> str:
    return ""


@dataclass(frozen=True)
class Reportable(Generic[T]):
    """One kind of reportable thing.

    `find(pk, viewer)`: the object if `viewer` may see it, else None.
    `set_state(target, state, only_from)`: writes the moderation state (core.models.Moderation);
    with `only_from`, only a row in that state changes, and the answer says whether it did (so
    concurrent automatic hides record one action). Owners whose content only needs the column
    written register `moderation_set` below; one with more to do on a hide registers its own.
    `set_disputed(target, note)`: writes the "disputed" note (`disputed_note_set` likewise).
    People are reportable but have neither: sanctions on them go through accounts' services.
    """

    kind: str
    model: type[T]
    # Translatable (gettext_lazy): "comment" in English, "commentaire" in French.
    label: str | Promise
    # "a comment by %(name)s": a whole phrase per kind, so each language can agree its words.
    description: str | Promise
    find: Callable[[int, Any], T | None]
    author: Callable[[T], Any]
    preview: Callable[[T], str]
    url: Callable[[T], str] = _no_address
    community_id: Callable[[T], int | None] = _no_community
    set_state: Callable[[T, str, str | None], bool] | None = None
    set_disputed: Callable[[T, str], None] | None = None

    def describe(self, target: T) -> str:
        """A few words for the logs: "a comment by Inès", "the person Karim"."""
        return str(self.description) % {"name": self.author(target).display_name}

    @property
    def is_content(self) -> bool:
        return self.set_state is not None


_entries: dict[str, Reportable[Any]] = {}


def register(entry: Reportable[Any]) -> None:
    """Add a kind; registering the same kind again replaces it (app reloads)."""
    _entries[entry.kind] = entry


def entries() -> list[Reportable[Any]]:
    return sorted(_entries.values(), key=lambda entry: entry.kind)


def get(kind: str) -> Reportable[Any] | None:
    return _entries.get(kind)


def of_model(model: type[Model] | None) -> Reportable[Any] | None:
    """The entry of a model (a case's content type), or None for what nobody registered."""
    for entry in _entries.values():
        if model is not None and entry.model is model:
            return entry
    return None


def of(target: Model) -> Reportable[Any]:
    entry = of_model(type(target))
    if entry is None:
        raise LookupError(f"{type(target).__name__} is not reportable")
    return entry


def moderation_set(target: M, state: str, only_from: str | None = None) -> bool:
    """The write every owner's service shares: the row's moderation state, in one UPDATE
    (`only_from`: only from that state). The instance follows, so callers see the new state."""
    rows = type(target)._default_manager.filter(pk=target.pk)
    if only_from is not None:
        rows = rows.filter(moderation=only_from)
    changed = rows.update(moderation=state) > 0
    if changed:
        target.moderation = state
    return changed


def disputed_note_set(target: M, note: str) -> None:
    note = note.strip()[:2000]
    type(target)._default_manager.filter(pk=target.pk).update(disputed_note=note)
    target.disputed_note = note
