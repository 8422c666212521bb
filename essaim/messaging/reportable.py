"""Private messages, as moderation sees them: only someone a message was written to may
report it; the instance's admins handle it; it has no public address."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.core.reportable import Reportable
from essaim.messaging import services
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
    set_state=lambda message, state, only_from: services.message_moderation_set(
        message=message, state=state, only_from=only_from
    ),
    set_disputed=lambda message, note: services.message_disputed_set(message=message, note=note),
)
