from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from essaim.messaging.selectors import unread_conversation_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """`unread_message_count` for the nav: conversations with messages I have not read.

    Lazy: the one query runs only when a template shows the value, so htmx fragments and
    pages without the nav cost nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_message_count": 0}
    return {"unread_message_count": SimpleLazyObject(lambda: unread_conversation_count(user))}
