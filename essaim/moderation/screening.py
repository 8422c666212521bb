"""Checking a text before it is stored: word and domain filters, links from new accounts,
sanctions, and the spam-wave switch."""

import contextlib
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.screening import Admission
from essaim.accounts.trust import NEW, trust_level
from essaim.core.errors import ValidationError
from essaim.core.models import Moderation
from essaim.moderation import lexicon, reasons
from essaim.moderation.models import FilterRule, InstanceSettings

RULES_CACHE_KEY = "moderation:filter-rules"
RULES_CACHE_SECONDS = 60
# A link: a scheme, a www., or something that looks like a domain followed by a path or the
# end of a word ("exemple.fr/page", "bit.ly").
LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>()]+|\b(?:[a-z0-9-]+\.)+(?:[a-z]{2,})(?:/[^\s<>()]*)?\b",
    re.IGNORECASE,
)
DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})", re.IGNORECASE)
STRENGTH = {"": 0, FilterRule.Effect.FLAG: 1, FilterRule.Effect.HOLD: 2, FilterRule.Effect.BLOCK: 3}


@dataclass
class Verdict:
    effect: str = ""
    rules: list[FilterRule] = field(default_factory=list)
    # Words of the shipped lexicon found (essaim.moderation.lexicon).
    lexicon: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if self.rules:
            return self.rules[0].reason
        return "harassment" if self.lexicon else "other"

    def describe(self) -> str:
        caught = [f"{rule.kind}:{rule.pattern}" for rule in self.rules]
        caught += [f"lexicon:{word}" for word in self.lexicon]
        return ", ".join(caught)[:200]


def _rules() -> list[FilterRule]:
    try:
        rules = cache.get(RULES_CACHE_KEY)
    except Exception:  # noqa: BLE001 - without the cache, read the table
        rules = None
    if rules is None:
        rules = list(FilterRule.objects.all())
        # Without the cache, the value is computed again next time.
        with contextlib.suppress(Exception):
            cache.set(RULES_CACHE_KEY, rules, RULES_CACHE_SECONDS)
    return list(rules)


def rules_changed() -> None:
    # the cached list expires within a minute
    with contextlib.suppress(Exception):
        cache.delete(RULES_CACHE_KEY)


def domains_in(text: str) -> set[str]:
    return {match.group(1).lower().rstrip(".") for match in DOMAIN.finditer(text)}


def has_link(text: str) -> bool:
    return LINK.search(text) is not None


def screen(text: str) -> Verdict:
    """The strongest effect of the admins' rules the text matches (whole words, accents
    ignored) and of the shipped lexicon (normalised text, see `lexicon`)."""
    folded = lexicon.fold(text)
    domains = domains_in(text)
    verdict = Verdict()
    for rule in _rules():
        if rule.kind == FilterRule.Kind.WORD:
            pattern = r"(?<!\w)" + re.escape(lexicon.fold(rule.pattern)) + r"(?!\w)"
            matched = re.search(pattern, folded) is not None
        else:
            target = rule.pattern.lower().lstrip(".")
            matched = any(d == target or d.endswith("." + target) for d in domains)
        if matched:
            verdict.rules.append(rule)
            if STRENGTH[rule.effect] > STRENGTH[verdict.effect]:
                verdict.effect = rule.effect
    verdict.rules.sort(key=lambda rule: -STRENGTH[rule.effect])
    lexicon_effect = lexicon.effect()
    if lexicon_effect:
        verdict.lexicon = lexicon.matches(text)
        if verdict.lexicon and STRENGTH[lexicon_effect] > STRENGTH[verdict.effect]:
            verdict.effect = lexicon_effect
    return verdict


def admit(author: User, texts: list[str]) -> Admission:
    """Check what `author` is about to publish (accounts.screening has refused a suspended
    author already). Refuses (clear error) a blocked word or domain, and links from a new
    account; holds or flags the rest as the filters and the spam-wave switch say."""
    text = "\n".join(texts)
    level = trust_level(author)
    if level == NEW and has_link(text):
        raise ValidationError(
            _("New accounts cannot post links yet: take part a little first, then try again.")
        )
    verdict = screen(text)
    if verdict.effect == FilterRule.Effect.BLOCK:
        raise ValidationError(_("This text contains words or links this instance does not accept."))
    if verdict.effect == FilterRule.Effect.HOLD:
        return Admission(Moderation.HELD, verdict.describe(), verdict.reason)
    if level == NEW and InstanceSettings.current().hold_new_accounts:
        return Admission(Moderation.HELD, reasons.SPAM_WAVE_SWITCH, "spam")
    if verdict.effect == FilterRule.Effect.FLAG:
        return Admission(Moderation.VISIBLE, verdict.describe(), verdict.reason)
    return Admission()
