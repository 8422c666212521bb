"""What can be reported, seen from moderation: a registered kind (core.reportable) and one of
its objects. Moderation knows no content model: the owning domains describe theirs and
hide, restore or label them through their own services."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.core import reportable
from essaim.core.errors import NotFound, ValidationError
from essaim.core.reportable import Reportable


@dataclass(frozen=True)
class Target:
    entry: Reportable[Any]
    obj: Any

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def pk(self) -> int:
        return int(self.obj.pk)

    @property
    def author(self) -> User:
        person = self.entry.author(self.obj)
        assert isinstance(person, User)
        return person

    @property
    def community_id(self) -> int | None:
        """Whose moderators handle it; None means the instance's admins."""
        return self.entry.community_id(self.obj)

    @property
    def words(self) -> str:
        return self.entry.preview(self.obj)[:1000]

    @property
    def url(self) -> str:
        """Where moderators can see it in place ("" for a private message)."""
        return self.entry.url(self.obj)

    @property
    def disputed_note(self) -> str:
        """Its "disputed" label's note, "" without one (or for what cannot carry one)."""
        return str(getattr(self.obj, "disputed_note", "") or "")

    @property
    def is_content(self) -> bool:
        return self.entry.is_content

    def set_state(self, state: str, *, only_from: str | None = None) -> bool:
        if self.entry.set_state is None:
            raise ValidationError(_("Only content can be hidden, removed or restored."))
        return self.entry.set_state(self.obj, state, only_from)

    def set_disputed(self, note: str) -> None:
        if self.entry.set_disputed is None:
            raise ValidationError(_("Only content can be labelled disputed."))
        self.entry.set_disputed(self.obj, note)


def entry_for(kind: str) -> Reportable[Any]:
    entry = reportable.get(kind)
    if entry is None:
        raise NotFound(_("This cannot be reported."))
    return entry


def visible_target(*, kind: str, pk: int, user: User) -> Target:
    """The thing `user` wants to report, if they can see it; NotFound otherwise."""
    entry = entry_for(kind)
    found = entry.find(pk, user)
    if found is None:
        raise NotFound(_("This content does not exist."))
    return Target(entry, found)


def target_of(obj: Model | None) -> Target | None:
    """A case's object as a Target; None once it is gone (or its kind is no longer registered)."""
    if obj is None:
        return None
    entry = reportable.of_model(type(obj))
    return Target(entry, obj) if entry is not None else None
