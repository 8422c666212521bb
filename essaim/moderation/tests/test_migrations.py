"""Actions recorded before the system's reasons became codes get their codes, and read in
each reader's language from then on; a moderator's words stay as written."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from essaim.core.tests.migrations import back_to_latest

BEFORE = [("moderation", "0005_action_target")]
AFTER = [("moderation", "0006_action_reason_code")]


@pytest.mark.django_db(transaction=True)
def test_the_system_reasons_of_older_actions_become_codes() -> None:
    with back_to_latest():
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        Action = executor.loader.project_state(BEFORE).apps.get_model("moderation", "Action")
        rows = {
            "auto-hide": Action.objects.create(
                kind="auto_hide",
                reason="Signalé par 3 membres établis ; masqué jusqu'à l'examen d'un modérateur.",
            ),
            "switch-on": Action.objects.create(kind="spam_wave", reason="activé"),
            "switch-off-admin": Action.objects.create(kind="spam_wave", summary="normal"),
            "held": Action.objects.create(kind="hold", reason="lexicon:connard"),
            "moderator": Action.objects.create(kind="hide", reason="Publicité répétée."),
        }
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        Action = executor.loader.project_state(AFTER).apps.get_model("moderation", "Action")
        after = {
            name: Action.objects.values_list(
                "reason_code", "reason_params", "reason", "summary"
            ).get(pk=row.pk)
            for name, row in rows.items()
        }
        assert after == {
            "auto-hide": ("auto_hide", {"count": 3}, "", ""),
            "switch-on": ("spam_wave_on", {}, "", ""),
            "switch-off-admin": ("spam_wave_off", {}, "", ""),
            "held": ("caught", {"by": "lexicon:connard"}, "", ""),
            "moderator": ("", {}, "Publicité répétée.", ""),
        }
