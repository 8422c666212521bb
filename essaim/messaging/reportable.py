"""Private messages, as moderation sees them: only someone a message was written to may
report it; the instance's admins handle it; it has no public address."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.core.reportable import Reportable, disputed_note_set, moderation_set
from essaim.messaging.models import Message


def _find(pk: int, viewer: User) -> Message | None:
    return (
        Message.objects.select_related("sender")
        .filter(pk=pk, conversation__participants__user=viewer)
        .exclude(sender=viewer)
        .first()
    )


MESSAGE = Reportable(
    kind="message",
    model=Message,
    label=_("message"),
    description=_("a message by %(name)s"),
    find=_find,
    author=lambda message: message.sender,
    preview=lambda message: message.body[:1000],
    set_state=moderation_set,
    set_disputed=disputed_note_set,
)
