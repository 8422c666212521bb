"""What text people send may hold: the one rule, for every form of the site and every JSON
body of the API.

Django's forms refuse NUL bytes; the other C0 control characters, DEL, the C1 controls and
bytes that are not UTF-8 (which Django decodes to U+FFFD) went through and were stored: they
corrupt exports, e-mails and terminals and mean nothing a person typed. Tab, line feed and
carriage return are text (multi-line fields; a browser never puts them in a one-line input).
A lone surrogate (U+D800–U+DFFF) is no character at all: a form cannot carry one (its bytes
decode to U+FFFD), but a JSON escape such as "\\ud800" can, and no database stores it.
"""

import re
import unicodedata

UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


def is_storable(value: str) -> bool:
    return UNSTORABLE.search(value) is None


def is_storable_data(data: object) -> bool:
    """Every string in decoded JSON, keys and values at any depth, is storable text."""
    if isinstance(data, str):
        return is_storable(data)
    if isinstance(data, dict):
        return all(is_storable(key) and is_storable_data(value) for key, value in data.items())
    if isinstance(data, list):
        return all(is_storable_data(item) for item in data)
    return True


WORD = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces: "Vélo d'Élise" → "velo d elise"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(WORD.findall(plain))
