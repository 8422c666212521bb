"""Why a plan failed, kept as a code with parameters and put into words when read: a plan
runs in a background worker, in no reader's language, and its hosts may read French or
English."""

from typing import Any

from django.utils.translation import gettext as _

from essaim.core.errors import ValidationError

FAILED = "failed"
NOBODY = "nobody"
TOO_SMALL = "too_small"
UNKNOWN_PEOPLE = "unknown_people"


def failure_text(code: str, params: dict[str, Any]) -> str:
    """A failure in the active language; "" for a code this version does not know."""
    if code == UNKNOWN_PEOPLE:
        return _("Unknown people: %(handles)s.") % {"handles": params.get("handles", "")}
    if code == NOBODY:
        return _("Nobody to choose from: widen the search.")
    if code == TOO_SMALL:
        return _("Too few people follow one another here yet to choose relays.")
    if code == FAILED:
        return _("The computation failed; try again, or with fewer relays.")
    return ""


class PlanFailure(ValidationError):
    """A refusal whose words follow the reader: its message in the active language for a
    request, its code and parameters for a plan to keep."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(failure_text(code, params))
        self.code = code
        self.params = params
