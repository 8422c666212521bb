"""What a notification says, in the active language: rendered when it is read or e-mailed, so
each person reads it in their own language."""

import re
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from essaim.core import reportable
from essaim.notifications.models import Notification

SUBJECT_LENGTH = 110
# Where the summary goes while the sentence around it is settled (see _with_summary).
_SUMMARY = "\x00summary\x00"
# French contracts "de" with what the summary starts with ("d'un message", "du", "des"); the
# catalogue cannot, since the summary is only known when the sentence is rendered.
_FRENCH_DE = re.compile(r"\bde " + re.escape(_SUMMARY))
_FRENCH_VOWELS = "aeiouàâäéèêëîïôöûüùœæ"


def text_of(notification: Notification) -> str:
    """The sentence shown to the reader, in the active language."""
    params = notification.params_dict
    kind = notification.kind
    if kind == Notification.Kind.RELAY_MILESTONE:
        count = int(params.get("count", 0))
        return ngettext(
            "Your share link brought a first person to “%(campaign)s”.",
            "Your share link has now brought %(count)s people to “%(campaign)s”.",
            count,
        ) % {"count": formats.number_format(count), "campaign": params.get("campaign", "")}
    if kind == Notification.Kind.MODERATION_DECISION:
        return moderation_text(params)
    if kind == Notification.Kind.REPORT_OUTCOME:
        if params.get("status") == "dismissed":
            return _("The moderators reviewed what you reported and took no action. Thank you.")
        return _("The moderators acted on what you reported. Thank you.")
    if kind == Notification.Kind.APPEAL_DECIDED:
        summary = _yours(params)
        if params.get("overturned"):
            return _with_summary(
                _("Your appeal was accepted: the decision about %(summary)s is undone."), summary
            )
        return _with_summary(
            _("Your appeal was rejected: the decision about %(summary)s stands. %(note)s"),
            summary,
            note=params.get("note", ""),
        )
    return _campaign_text(kind, params)


def _campaign_text(kind: str, params: dict[str, Any]) -> str:
    when = _when(params.get("when"))
    if kind == Notification.Kind.EVENT_REMINDER:
        if params.get("soon"):
            return _("“%(event)s” starts soon, at %(when)s: see you there!") % {
                "event": params.get("event", ""),
                "when": when,
            }
        return _("Reminder: “%(event)s” starts on %(when)s, at %(address)s.") % {
            "event": params.get("event", ""),
            "when": when,
            "address": params.get("address", ""),
        }
    if kind == Notification.Kind.EVENT_PROMOTED:
        return _("A place freed up: you are now coming to “%(event)s” on %(when)s.") % {
            "event": params.get("event", ""),
            "when": when,
        }
    if kind == Notification.Kind.EVENT_ALTERED:
        return _event_altered(params, when)
    if kind == Notification.Kind.CHALLENGE_PROMPT:
        return _("Today's challenge for “%(campaign)s”: %(prompt)s") % {
            "campaign": params.get("campaign", ""),
            "prompt": params.get("prompt", ""),
        }
    if kind == Notification.Kind.FUNDRAISER_NEAR_GOAL:
        return _("“%(campaign)s” has raised %(percent)s%% of its goal: one more push!") % {
            "campaign": params.get("campaign", ""),
            "percent": params.get("percent", ""),
        }
    if kind == Notification.Kind.AID_MATCH:
        return _("A new request may match your offer “%(offer)s”: “%(request)s”.") % {
            "offer": params.get("offer", ""),
            "request": params.get("request", ""),
        }
    if kind == Notification.Kind.CAMPAIGN_MILESTONE:
        return _milestone(params, subject=False)
    if kind == Notification.Kind.HOST_INVITATION:
        return _("%(person)s invites you to co-host “%(campaign)s”: accept or decline.") % {
            "person": params.get("invited_by", ""),
            "campaign": params.get("campaign", ""),
        }
    if kind == Notification.Kind.WEBHOOK_DISABLED:
        return _(
            "Deliveries to %(url)s for “%(campaign)s” kept failing: the webhook is turned off."
        ) % {"url": params.get("url", ""), "campaign": params.get("campaign", "")}
    return _("Something happened.")


def _event_altered(params: dict[str, Any], when: str) -> str:
    values = {"event": params.get("event", ""), "when": when, "address": params.get("address", "")}
    if params.get("cancelled"):
        return _("“%(event)s” on %(when)s is called off by its hosts.") % values
    if params.get("rescheduled") and params.get("moved"):
        return _("“%(event)s” has changed: it is now on %(when)s, at %(address)s.") % values
    if params.get("rescheduled"):
        return _("“%(event)s” has moved to another time: it is now on %(when)s.") % values
    return _("“%(event)s” has moved to another place: %(address)s.") % values


def subject_of(notification: Notification) -> str:
    """The subject of the e-mail that carries this notification alone, on one line."""
    params = notification.params_dict
    if notification.kind == Notification.Kind.CAMPAIGN_MILESTONE:
        # The hosts' milestone e-mail kept its subject when it moved here.
        return one_line(_milestone(params, subject=True))
    return Truncator(one_line(text_of(notification))).chars(SUBJECT_LENGTH)


_BREAKING_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def one_line(text: str) -> str:
    """Every run of whitespace as one space: a header cannot hold a line break (Django refuses
    to send it), and a moderator's reason or a title may contain one. No-break spaces stay:
    French puts them before its colons."""
    return _BREAKING_SPACES.sub(" ", text).strip()


def _milestone(params: dict[str, Any], *, subject: bool) -> str:
    """A campaign's milestone, its noun agreeing with the number ("1 participant")."""
    try:
        count = int(params.get("count", 0))
    except (TypeError, ValueError):
        count = 0
    values = {"campaign": params.get("campaign", ""), "count": formats.number_format(count)}
    counted = params.get("counted")
    if counted == "participants":
        sentence = (
            ngettext(
                "%(campaign)s: %(count)s participant!",
                "%(campaign)s: %(count)s participants!",
                count,
            )
            if subject
            else ngettext(
                "Congratulations: your campaign “%(campaign)s” has reached %(count)s participant.",
                "Congratulations: your campaign “%(campaign)s” has reached %(count)s participants.",
                count,
            )
        )
    else:
        sentence = (
            ngettext(
                "%(campaign)s: %(count)s signature!", "%(campaign)s: %(count)s signatures!", count
            )
            if subject
            else ngettext(
                "Congratulations: your campaign “%(campaign)s” has reached %(count)s signature.",
                "Congratulations: your campaign “%(campaign)s” has reached %(count)s signatures.",
                count,
            )
        )
    return sentence % values


def _when(value: object) -> str:
    """An ISO datetime from params, in the instance's time zone and the active language."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


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
    text = capfirst(_with_summary(sentence, _yours(params), until=_when(params.get("until"))))
    reason = params.get("reason", "")
    if not reason:
        # The system's own decisions (an auto-hide) say why in their sentence, in the
        # reader's language; only a moderator's words follow as a reason.
        return text
    return _("%(decision)s Reason: %(reason)s") % {"decision": text, "reason": reason}


def _yours(params: dict[str, Any]) -> str:
    """What a moderation notice is about, said to its author: "your post", "your profile".
    Notices from before the target's kind was kept carry their summary instead."""
    kind = str(params.get("target") or "")
    if kind == "person":
        return _("your profile")
    entry = reportable.get(kind) if kind else None
    if entry is None:
        return str(params.get("summary", ""))
    return _("your %(thing)s") % {"thing": entry.label}


def _with_summary(sentence: str, summary: str, **values: object) -> str:
    """`sentence` with its %(summary)s, and in French the "de" before it contracted with the
    summary's first word: "au sujet d'un message", not "au sujet de un message"."""
    text = sentence % {**values, "summary": _SUMMARY}
    if (get_language() or "").split("-")[0] == "fr":
        text = _FRENCH_DE.sub(lambda _match: _french_de(summary), text)
    return text.replace(_SUMMARY, summary)


def _french_de(summary: str) -> str:
    # "de" + "le"/"les" contract to "du"/"des"; before a vowel it elides. A leading "h" is left
    # alone: whether it is mute depends on the word.
    first, _space, rest = summary.partition(" ")
    if first.lower() == "le" and rest:
        return "du " + rest
    if first.lower() == "les" and rest:
        return "des " + rest
    if summary[:1].lower() in _FRENCH_VOWELS:
        return "d'" + summary
    return "de " + summary
