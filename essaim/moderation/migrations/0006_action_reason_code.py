"""The system's reasons as a code with parameters (essaim.moderation.reasons), put into words
when read. Actions recorded before keep their words unless they are one of the system's
reasons, which become codes here: an auto-hide's count, the spam-wave switch's on/off, what a
filter caught."""

import re

from django.db import migrations, models

ON = {"on", "activé", "hold new accounts"}
OFF = {"off", "désactivé", "normal"}
COUNT = re.compile(r"\d+")


def to_codes(apps, schema_editor):
    Action = apps.get_model("moderation", "Action")
    rows = Action.objects.filter(reason_code="", kind__in=["auto_hide", "spam_wave", "hold"])
    for action in rows.iterator():
        if action.kind == "auto_hide":
            count = COUNT.search(action.reason)
            if count is None:
                continue
            action.reason_code, action.reason_params = "auto_hide", {"count": int(count.group())}
            action.reason = ""
        elif action.kind == "spam_wave":
            said = (action.reason or action.summary).strip()
            if said not in ON | OFF:
                continue
            action.reason_code = "spam_wave_on" if said in ON else "spam_wave_off"
            action.reason = action.summary = ""
        elif action.reason:
            action.reason_code, action.reason_params = "caught", {"by": action.reason}
            action.reason = ""
        else:
            continue
        action.save(update_fields=["reason_code", "reason_params", "reason", "summary"])


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0005_action_target"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="reason_code",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="action",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(to_codes, migrations.RunPython.noop),
    ]
