"""Why a plan failed as a code with parameters (essaim.reach.failures), put into words when
read. Failed plans from before get the code of their words, in either language."""

import re

from django.db import migrations, models

FIXED = {
    "The computation failed; try again, or with fewer relays.": "failed",
    "Le calcul a échoué\u00a0; réessayez, ou avec moins de relais.": "failed",
    "Nobody to choose from: widen the search.": "nobody",
    "Personne parmi qui choisir\u00a0: élargissez la recherche.": "nobody",
}
UNKNOWN_PEOPLE = re.compile(r"^(?:Unknown people:|Personnes inconnues\u00a0:) (.*)\.$", re.DOTALL)


def to_codes(apps, schema_editor):
    ReachPlan = apps.get_model("reach", "ReachPlan")
    for plan in ReachPlan.objects.filter(status="failed", error_code="").exclude(error=""):
        unknown = UNKNOWN_PEOPLE.match(plan.error)
        if plan.error in FIXED:
            plan.error_code, plan.error_params = FIXED[plan.error], {}
        elif unknown is not None:
            plan.error_code, plan.error_params = "unknown_people", {"handles": unknown.group(1)}
        else:
            continue
        plan.error = ""
        plan.save(update_fields=["error_code", "error_params", "error"])


class Migration(migrations.Migration):
    dependencies = [
        ("reach", "0002_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="reachplan",
            name="error_code",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="reachplan",
            name="error_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(to_codes, migrations.RunPython.noop),
    ]
