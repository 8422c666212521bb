"""Screening what people publish, for the domains that own the texts.

Communities, aid, campaigns and messaging sit below moderation, which holds the word and domain
filters and opens the cases. So they call `admit()` before storing a text and
`content_admitted()` once it is stored; moderation installs the functions behind both in its
AppConfig.ready(). Until it has, publishing refuses: text that was never screened must not go
out."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.core.models import Moderation


@dataclass
class Admission:
    """How a new text enters: its initial state, and why a case opens (if one does)."""

    state: str = Moderation.VISIBLE
    flagged_by: str = ""
    reason: str = "other"


Admit = Callable[[User, list[str]], Admission]
Admitted = Callable[[Any, Admission], None]


@dataclass(frozen=True)
class _Screening:
    admit: Admit
    admitted: Admitted


_installed: list[_Screening] = []


def install(*, admit: Admit, admitted: Admitted) -> None:
    """Moderation's ready(): `admit(author, texts)` refuses (an ApplicationError) or returns the
    admission; `admitted(target, admission)` runs in the writer's transaction once the text
    is stored. Installing again replaces (ready() may run more than once in tests)."""
    _installed[:] = [_Screening(admit=admit, admitted=admitted)]


def _screening() -> _Screening:
    if not _installed:
        raise ImproperlyConfigured("no screening installed: is essaim.moderation installed?")
    return _installed[0]


def admit(*, author: User, texts: list[str]) -> Admission:
    """Check what `author` is about to publish: refused with a clear error, held or flagged, or
    visible. Standing is the accounts' own rule: checked here, whatever screening is installed."""
    require_good_standing(author)
    return _screening().admit(author, texts)


def content_admitted(target: Model, admission: Admission) -> None:
    """After `target` was stored as `admission` said (a held or flagged text opens a case)."""
    _screening().admitted(target, admission)
