from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from essaim.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """`unread_notification_count` for the nav's bell; lazy, like the messages badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notification_count": 0}
    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count(user))}
