"""The French catalogue: French typography, and a translation for every message."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings

NBSP = "\u00a0"


def _load_script() -> ModuleType:
    path = Path(settings.BASE_DIR) / "scripts" / "french_typography.py"
    spec = importlib.util.spec_from_file_location("french_typography", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


typography = _load_script()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rappel : demain", f"Rappel{NBSP}: demain"),
        ("Vraiment ? Oui !", f"Vraiment{NBSP}? Oui{NBSP}!"),
        ("Merci!", f"Merci{NBSP}!"),
        ("un ; deux", f"un{NBSP}; deux"),
        ("le « défi »", f"le «{NBSP}défi{NBSP}»"),
        ("le «défi»", f"le «{NBSP}défi{NBSP}»"),
        # Already right: unchanged, however often the script runs.
        (f"Rappel{NBSP}: «{NBSP}x{NBSP}»", f"Rappel{NBSP}: «{NBSP}x{NBSP}»"),
        # Code, addresses and times keep their glued marks.
        ("https://exemple.org/?page=2 à 10:30", "https://exemple.org/?page=2 à 10:30"),
        ("<code>Authorization: Bearer</code>", "<code>Authorization: Bearer</code>"),
    ],
)
def test_the_script_puts_no_break_spaces_where_french_needs_them(text: str, expected: str) -> None:
    assert typography.fix_text(text) == expected


def test_the_script_fixes_a_catalogue_and_then_finds_nothing(tmp_path: Path) -> None:
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Reminder: tomorrow"\nmsgstr "Rappel : demain"\n\n'
        'msgid "A long one: wrapped"\nmsgstr ""\n"Une longue "\n": repliée"\n',
        encoding="utf-8",
    )
    assert typography.problems(catalogue) == [
        f"line 6: Rappel{NBSP}: demain",
        f"line 9: Une longue{NBSP}: repliée",
    ]
    assert typography.fix(catalogue) is True
    text = catalogue.read_text(encoding="utf-8")
    # The header is metadata: its "Content-Type: text/plain; charset" stays as it is.
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert f'msgstr "Rappel{NBSP}: demain"' in text
    assert f'msgstr "Une longue{NBSP}: repliée"' in text
    assert typography.problems(catalogue) == []
    assert typography.fix(catalogue) is False


def test_the_french_catalogue_follows_french_typography() -> None:
    """Fix with `python scripts/french_typography.py` (after each rebase: everyone adds)."""
    assert typography.problems(typography.CATALOGUE) == []
