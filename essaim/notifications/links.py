"""Signed one-click unsubscribe links: they work without logging in, for as long as the
e-mail is kept, and name only the person and the kinds of e-mail they stop."""

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from essaim.core.site import absolute_url
from essaim.notifications.models import Notification

UNSUBSCRIBE_SALT = "essaim.notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    kinds: tuple[str, ...]


def unsubscribe_token(*, user_id: int, kinds: list[str]) -> str:
    return signing.dumps({"u": user_id, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int, kinds: list[str]) -> str:
    token = unsubscribe_token(user_id=user_id, kinds=kinds)
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


def unsubscribe_read(token: str) -> Unsubscription | None:
    """What a token asks for; None when it was not signed by this instance or is malformed."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    known = set(Notification.Kind.values)
    kinds = tuple(kind for kind in data.get("k", []) if isinstance(kind, str) and kind in known)
    if not kinds:
        return None
    return Unsubscription(user_id=data["u"], kinds=kinds)
