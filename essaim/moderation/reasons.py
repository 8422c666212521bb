"""The reasons the system gives for what it does (the report threshold, the filters, the
spam-wave switch), kept as a code with parameters and put into words when read, in the
reader's language: an auto-hide recorded while a French reporter's request ran reads in
English for an English moderator. A moderator's own reason is their words, kept as written.
"""

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

AUTO_HIDE = "auto_hide"
CAUGHT = "caught"
SPAM_WAVE_ON = "spam_wave_on"
SPAM_WAVE_OFF = "spam_wave_off"
INVALIDATED = "invalidated"
REVALIDATED = "revalidated"

# What a case's `flagged_by` holds when the spam-wave switch held a new account's text (the
# filters write "word:…, domain:…, lexicon:…"): a key, not words.
SPAM_WAVE_SWITCH = "spam-wave switch"


def caught_by_text(flagged_by: str) -> str:
    """What caught a text, from a case's `flagged_by`, in the active language."""
    if flagged_by == SPAM_WAVE_SWITCH:
        return _("the spam-wave switch (new accounts' texts are held)")
    labels = {
        "word": _("the word filter “%(pattern)s”"),
        "domain": _("the domain filter “%(pattern)s”"),
        "lexicon": _("the lexicon (“%(pattern)s”)"),
    }
    words = []
    for item in flagged_by.split(", "):
        source, colon, pattern = item.partition(":")
        label = labels.get(source) if colon else None
        words.append(label % {"pattern": pattern} if label else item)
    return ", ".join(words)


def reason_text(code: str, params: dict[str, Any]) -> str:
    """A system reason in the active language; "" for a code this version does not know."""
    if code == AUTO_HIDE:
        count = int(params.get("count", 0))
        return ngettext(
            "Reported by %(count)d established member; hidden until a moderator reviews it.",
            "Reported by %(count)d established members; hidden until a moderator reviews it.",
            count,
        ) % {"count": count}
    if code == CAUGHT:
        return _("Caught by %(filter)s.") % {"filter": caught_by_text(str(params.get("by", "")))}
    if code == SPAM_WAVE_ON:
        return _("New accounts' texts are held for review.")
    if code == SPAM_WAVE_OFF:
        return _("New accounts' texts are published again.")
    if code == INVALIDATED:
        count = int(params.get("count", 0))
        return ngettext(
            "%(count)s signature set aside (batch %(batch)s): %(reason)s",
            "%(count)s signatures set aside (batch %(batch)s): %(reason)s",
            count,
        ) % {
            "count": number_format(count),
            "batch": params.get("batch", ""),
            "reason": params.get("reason", ""),
        }
    if code == REVALIDATED:
        count = int(params.get("count", 0))
        return ngettext(
            "%(count)s signature counted again (batch %(batch)s restored).",
            "%(count)s signatures counted again (batch %(batch)s restored).",
            count,
        ) % {"count": number_format(count), "batch": params.get("batch", "")}
    return ""
