"""People, as moderation sees them: anyone active may be reported; sanctions on them are the
accounts' services (user_suspend, user_ban and their reversals)."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.accounts.selectors import people_active
from essaim.core.reportable import Reportable


def _find(pk: int, _viewer: User) -> User | None:
    return people_active().filter(pk=pk).first()


def _preview(person: User) -> str:
    return f"{person.display_name} — {person.bio}"[:1000]


PERSON = Reportable(
    kind="person",
    model=User,
    label=_("person"),
    description=_("the person %(name)s"),
    find=_find,
    author=lambda person: person,
    preview=_preview,
    url=lambda person: person.get_absolute_url(),
)
