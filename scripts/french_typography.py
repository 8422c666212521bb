"""French typography in the French catalogue: a no-break space (U+00A0) before : ; ? ! and
inside « », where French puts a space that must not end a line.

    python scripts/french_typography.py           fix locale/fr/LC_MESSAGES/django.po in place
    python scripts/french_typography.py --check   list what breaks the rule; exit 1 if anything

Only translations (msgstr) are touched, never the English source nor the header. Run it again
after adding entries or rebasing: everyone appends to the catalogue.
"""

import argparse
import re
import sys
from pathlib import Path

NBSP = "\u00a0"
CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# An ordinary or narrow space before the mark; or none between a letter and ? or ! ending a
# sentence (a colon or a semicolon glued to a word is code, an address or a time: "https:",
# "&amp;", "10:30"; a glued ? starts a query string).
_SPACE_BEFORE = re.compile(r"[ \u202f]+(?=[:;?!])")
_GLUED_BEFORE = re.compile(r"(?<=[^\W\d_])(?=[?!](?:\s|$|\\|<))")
_AFTER_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_BEFORE_CLOSING = re.compile(r"[ \u00a0\u202f]*»")
_STRING = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def fix_text(text: str) -> str:
    """The same French text with the no-break spaces it needs."""
    text = _SPACE_BEFORE.sub(NBSP, text)
    text = _GLUED_BEFORE.sub(NBSP, text)
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    return _BEFORE_CLOSING.sub(NBSP + "»", text)


def _fix_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """The catalogue's lines with every translation fixed, and the fixed translations (as
    "line N: text"). A translation wrapped over several lines is fixed as one text (a space
    may end a line and the colon start the next), then written back on one line."""
    out: list[str] = []
    changed: list[str] = []
    msgid = ""
    index = 0
    while index < len(lines):
        match = _STRING.match(lines[index])
        if match is None:
            out.append(lines[index])
            index += 1
            continue
        keyword, start = match.group(1), index
        pieces = [match.group(2)]
        index += 1
        while index < len(lines) and lines[index].startswith('"'):
            pieces.append(lines[index][1:-1])
            index += 1
        text = "".join(pieces)
        if keyword == "msgid":
            msgid = text
        # The header (the translation of the empty msgid) is metadata, not French.
        fixed = fix_text(text) if keyword.startswith("msgstr") and msgid else text
        if fixed == text:
            out.extend(lines[start:index])
        else:
            out.append(f'{keyword} "{fixed}"')
            changed.append(f"line {start + 1}: {fixed}")
    return out, changed


def fix(path: Path) -> bool:
    """Fix the catalogue in place; whether anything changed."""
    source = path.read_text(encoding="utf-8")
    lines, changed = _fix_lines(source.split("\n"))
    if changed:
        path.write_text("\n".join(lines), encoding="utf-8")
    return bool(changed)


def problems(path: Path) -> list[str]:
    """The translations that break the rule, as they should read ("line N: text")."""
    return _fix_lines(path.read_text(encoding="utf-8").split("\n"))[1]


def entries(path: Path) -> dict[str, list[str]]:
    """Each msgid of the catalogue (unescaped) and its translations (one, or one per plural
    form), fuzzy ones left out: gettext does not use them."""
    found: dict[str, list[str]] = {}
    msgid: str | None = None
    fuzzy = False
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line
        match = _STRING.match(line)
        index += 1
        if match is None:
            continue
        pieces = [match.group(2)]
        while index < len(lines) and lines[index].startswith('"'):
            pieces.append(lines[index][1:-1])
            index += 1
        text = _unescape("".join(pieces))
        if match.group(1) == "msgid":
            msgid = text
        elif match.group(1).startswith("msgstr") and msgid is not None:
            if not fuzzy:
                found.setdefault(msgid, []).append(text)
            if match.group(1) in ("msgstr", "msgstr[1]"):
                fuzzy = False
    return found


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def main() -> int:
    parser = argparse.ArgumentParser(description="French typography in the French catalogue.")
    parser.add_argument("path", nargs="?", type=Path, default=CATALOGUE)
    parser.add_argument("--check", action="store_true", help="report, change nothing")
    args = parser.parse_args()
    if args.check:
        found = problems(args.path)
        for problem in found:
            print(problem)
        return 1 if found else 0
    if fix(args.path):
        print(f"fixed {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
