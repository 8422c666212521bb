"""A maintained lexicon of French and English profanity and slurs (glin-profanity's word
lists, shipped inside the package and read offline), beside the admins' own filter rules.

Text and words are compared after the same normalisation: case, accents, compatibility
forms and zero-width characters folded, leetspeak read as letters ("c0nn4rd"), letters spaced
or dotted apart joined ("c o n n a r d", "b.i.t.c.h"), stretched letters shortened
("connnnard"), and a plural's -s/-x/-es dropped ("connards"). Whole words only: "Scunthorpe"
and "contact" are not matches.

What a match does is a setting, MODERATION_LEXICON_EFFECT: "hold" (for review, the default:
a word quoted to denounce it is not an insult), "block" (refused), "flag" (published, a case
opens) or "" (off).
"""

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from django.conf import settings

LANGUAGES = ("french", "english")
# Words of the lists that are everyday words on a mutual-aid site ("veuve" is a widow,
# "bosser" is to work, an "escort" takes someone to hospital): they would hold honest posts.
EVERYDAY_WORDS = frozenset(
    {
        "baiser", "bosser", "bourre", "bourree", "caca", "cailler", "drague", "folle", "gerbe",
        "jouir", "meuf", "peter", "pipi", "tanche", "teuf", "veuve", "bs", "butt", "clitoris",
        "domination", "erotic", "escort", "eunuch", "genitals", "hardcore", "hard core",
        "how to kill", "intercourse", "kinky", "lmfao", "mf", "nipple", "nipples", "nude",
        "nudity", "omfg", "panties", "panty", "penis", "playboy", "lolita", "huge fat",
        "big black", "hot chick", "girl on", "busty",
    }
)  # fmt: skip
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e"}
)
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
# Three or more single letters (or leetspeak digits) separated by spaces, dots, dashes,
# underscores or stars: "c o n n a r d", "b.i.t.c.h".
SPACED = re.compile(r"(?<![\w])(?:[\w@$€][\s._*\-]+){2,}[\w@$€](?![\w])")
WORD = re.compile(r"[a-z]+")
STRETCHED = re.compile(r"([a-z])\1{2,}")


def fold(text: str) -> str:
    """Compatibility forms and invisible characters out, lower case, accents removed:
    "Haïr", "hair" and "ｈａ\u200bir" read alike, for the lexicon and the instance's filter
    rules (`screening`) both."""
    text = INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _join_spaced(text: str) -> str:
    return SPACED.sub(lambda match: re.sub(r"[\s._*\-]+", "", match.group(0)), text)


def normalise(text: str) -> list[str]:
    """The text's words, as the lexicon's words are written (see the module's docstring)."""
    folded = _join_spaced(fold(text)).translate(LEET)
    return WORD.findall(folded)


def _forms(word: str) -> set[str]:
    """A word, its stretched letters shortened, and its singular."""
    forms = {word, STRETCHED.sub(r"\1\1", word), STRETCHED.sub(r"\1", word)}
    for form in list(forms):
        if len(form) > 3 and form.endswith("es"):
            forms.add(form[:-2])
        if len(form) > 2 and form[-1] in "sx":
            forms.add(form[:-1])
    return forms


@lru_cache(maxsize=1)
def lexicon() -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """(single words, phrases as word tuples), normalised, from the package's lists."""
    folder = resources.files("glin_profanity.data") / "dictionaries"
    entries: set[str] = set()
    for language in LANGUAGES:
        data = json.loads((folder / f"{language}.json").read_text(encoding="utf-8"))
        entries.update(word for word in data["words"] if isinstance(word, str))
    words: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    for entry in entries:
        normalised = tuple(normalise(entry))
        if not normalised or " ".join(normalised) in EVERYDAY_WORDS:
            continue
        if len(normalised) == 1:
            words.add(normalised[0])
        else:
            phrases.add(normalised)
    return frozenset(words), tuple(sorted(phrases))


# Words that look like a listed word's plural but are everyday words ("pros and cons").
NOT_PLURALS = frozenset({"cons"})


def matches(text: str) -> list[str]:
    """The lexicon's words and phrases found in `text`, in the order of the text."""
    words, phrases = lexicon()
    found: list[str] = []
    tokens = normalise(text)
    for token in tokens:
        if token in NOT_PLURALS:
            continue
        hit = next((form for form in sorted(_forms(token)) if form in words), None)
        if hit is not None and hit not in found:
            found.append(hit)
    padded = f" {' '.join(tokens)} "
    for phrase in phrases:
        joined = " ".join(phrase)
        if f" {joined} " in padded and joined not in found:
            found.append(joined)
    return found


def effect() -> str:
    """What a match does: "hold", "block", "flag" or "" (off)."""
    value = str(getattr(settings, "MODERATION_LEXICON_EFFECT", "hold"))
    return value if value in {"hold", "block", "flag"} else ""
