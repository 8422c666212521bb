"""The French catalogue: French typography, and a translation for every message."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import AppConfig, apps
from django.conf import settings
from django.db.models import Model
from django.urls import reverse
from django.utils.functional import Promise

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


@pytest.mark.django_db
def test_allauth_s_french_follows_french_typography_too(client) -> None:
    """allauth's catalogue puts a plain space before "?" and "!": locale/overrides holds the
    same messages with a no-break space, and Django finds them first."""
    overrides = typography.CATALOGUE.parent.parent.parent / "overrides" / "fr" / "LC_MESSAGES"
    assert typography.problems(overrides / "django.po") == []
    html = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"Mot de passe oublié{NBSP}?" in html


def _french_catalogue() -> dict[str, list[str]]:
    return typography.entries(typography.CATALOGUE)


def _essaim_models() -> list[type[Model]]:
    return [model for model in apps.get_models() if model.__module__.startswith("essaim.")]


@pytest.mark.parametrize("model", _essaim_models(), ids=lambda model: model._meta.label)
def test_every_model_has_names_translated_into_french(model: type[Model]) -> None:
    """The admin names models after their verbose names: each marked for translation, and
    the French catalogue has it."""
    catalogue = _french_catalogue()
    for option in ("verbose_name", "verbose_name_plural"):
        name = model._meta.original_attrs.get(option)
        assert isinstance(name, Promise), f"{model._meta.label}.Meta.{option} is not gettext_lazy"
        assert str(name) in catalogue, f"no French for {model._meta.label}'s {str(name)!r}"


@pytest.mark.parametrize(
    "config",
    [config for config in apps.get_app_configs() if config.name.startswith("essaim.")],
    ids=lambda config: config.label,
)
def test_every_app_has_a_name_translated_into_french(config: AppConfig) -> None:
    assert isinstance(config.verbose_name, Promise)
    assert str(config.verbose_name) in _french_catalogue()


def test_the_admin_names_models_in_french(admin_client) -> None:
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    admin_client.get("/")  # a session; the admin's language follows the person's
    html = admin_client.get("/admin/").content.decode()
    for name in (
        "Dossiers de modération",
        "Campagnes",
        "Promesses de dons en nature",
        "Règles de filtrage",
    ):
        assert name in html
    for name in ("Moderation cases", "In-kind pledges", "Filter rules"):
        assert name not in html


def test_the_admin_names_the_instance_and_the_task_queue_in_french(admin_client) -> None:
    """Not "Django administration", nor django-tasks-db's English names."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    admin_client.get("/")
    html = admin_client.get("/admin/").content.decode()
    assert "<title>Site d’administration | Essaim</title>" in html
    assert "Tâches de fond" in html and "Résultats de tâches" in html
    for name in ("Django", "Tasks Database Backend", "Task Results"):
        assert name not in html


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (xgettext, msgmerge)")
def test_every_message_the_code_uses_has_a_french_translation(tmp_path: Path) -> None:
    """makemessages, run on a copy of the sources, merges what the code and the templates use
    into a copy of the catalogue: nothing may come out untranslated or fuzzy, nor obsolete
    (a message no code uses any more is removed from the catalogue with the code)."""
    base = Path(settings.BASE_DIR)
    skip = shutil.ignore_patterns("__pycache__", "*.mo", "static", "tests")
    for folder in ("essaim", "config", "locale"):
        shutil.copytree(base / folder, tmp_path / folder, ignore=skip)
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "-v0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    merged = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    text = merged.read_text(encoding="utf-8")
    untranslated = [
        msgid for msgid, texts in typography.entries(merged).items() if msgid and not all(texts)
    ]
    fuzzy = [line for line in text.split("\n") if line.startswith("#,") and "fuzzy" in line]
    obsolete = [line for line in text.split("\n") if line.startswith("#~ msgid")]
    assert (untranslated, fuzzy, obsolete) == ([], [], [])
