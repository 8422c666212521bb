"""In-app notifications: one service every domain calls to tell someone something."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.models import User
from essaim.notifications.models import Notification


def notify(
    *, user: User, kind: str, key: str, params: dict[str, Any] | None = None, url: str = ""
) -> Notification | None:
    """Tell `user` once about the fact named `key`: a second call with the same key (a retry,
    a race) creates nothing and returns None."""
    if not user.is_active:
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, kind=kind, key=key[:120], params=params or {}, url=url
            )
    except IntegrityError:
        return None


def mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of `user`'s notifications read, or all of them; marking again does nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


def text_of(notification: Notification) -> str:
    """The sentence shown to the reader, in the active language."""
    params = notification.params_dict
    if notification.kind == Notification.Kind.RELAY_MILESTONE:
        count = int(params.get("count", 0))
        return ngettext(
            "Your share link brought a first person to “%(campaign)s”.",
            "Your share link has now brought %(count)d people to “%(campaign)s”.",
            count,
        ) % {"count": count, "campaign": params.get("campaign", "")}
    if notification.kind == Notification.Kind.MODERATION_DECISION:
        return moderation_text(params)
    if notification.kind == Notification.Kind.REPORT_OUTCOME:
        if params.get("status") == "dismissed":
            return _("The moderators reviewed what you reported and took no action. Thank you.")
        return _("The moderators acted on what you reported. Thank you.")
    if notification.kind == Notification.Kind.APPEAL_DECIDED:
        if params.get("overturned"):
            return _("Your appeal was accepted: the decision about %(summary)s is undone.") % {
                "summary": params.get("summary", "")
            }
        return _("Your appeal was rejected: the decision about %(summary)s stands. %(note)s") % {
            "summary": params.get("summary", ""),
            "note": params.get("note", ""),
        }
    return _("Something happened.")


def moderation_text(params: dict[str, Any]) -> str:
    """What a moderation decision says to the person it is about, with its reason."""
    sentences = {
        "hide": _("The moderators hid %(summary)s."),
        "remove": _("The moderators removed %(summary)s."),
        "auto_hide": _(
            "%(summary)s was hidden after several reports, until a moderator reviews it."
        ),
        "warn": _("The moderators warned you about %(summary)s."),
        "suspend": _("Your account is suspended until %(until)s because of %(summary)s."),
        "ban_community": _("You are banned from the community because of %(summary)s."),
        "ban_instance": _("You are banned from this instance because of %(summary)s."),
        "disputed": _("The moderators labelled %(summary)s disputed."),
        "restore": _("The moderators restored %(summary)s."),
    }
    sentence = sentences.get(str(params.get("action")), _("The moderators acted on %(summary)s."))
    until = str(params.get("until", ""))[:16].replace("T", " ")
    text = capfirst(sentence % {"summary": params.get("summary", ""), "until": until})
    return _("%(decision)s Reason: %(reason)s") % {
        "decision": text,
        "reason": params.get("reason", ""),
    }


def export(user: User) -> list[dict[str, Any]]:
    return [
        {"kind": n.kind, "text": text_of(n), "created_at": n.created_at.isoformat()}
        for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
    ]


def erase(user: User) -> None:
    Notification.objects.filter(user=user).delete()
