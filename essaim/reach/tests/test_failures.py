"""A plan's failure, met in the background worker, reads in the language of the host who
opens the plan: kept as a code with parameters, not as words of the worker's language."""

from html import unescape

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from essaim.campaigns.tests.factories import CampaignFactory
from essaim.core.tests.migrations import back_to_latest
from essaim.reach import failures, planning
from essaim.reach.models import ReachPlan

NBSP = "\u00a0"


def _failed_plan(**fields):
    campaign = CampaignFactory.create()
    plan = ReachPlan.objects.create(campaign=campaign, requested_by=campaign.created_by, **fields)
    with translation.override("fr"):
        planning.run(plan.pk)
    plan.refresh_from_db()
    assert plan.status == ReachPlan.Status.FAILED
    return plan


def _page(client, plan, language):
    host = plan.campaign.created_by
    host.language = language
    host.save(update_fields=["language"])
    client.force_login(host)
    url = reverse("reach:plan", args=[plan.campaign.slug, plan.pk])
    return unescape(client.get(url).content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Unknown people: personne-ici."), ("fr", f"Personnes inconnues{NBSP}: personne-ici.")],
)
def test_an_unknown_relay_reads_in_the_hosts_language(client, language, words):
    plan = _failed_plan(mode="estimate", handles=["personne-ici"])
    assert (plan.error_code, plan.error_params, plan.error) == (
        failures.UNKNOWN_PEOPLE,
        {"handles": "personne-ici"},
        "",
    )
    assert words in _page(client, plan, language)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "The computation failed; try again, or with fewer relays."),
        ("fr", f"Le calcul a échoué{NBSP}; réessayez, ou avec moins de relais."),
    ],
)
def test_an_unexpected_failure_too(client, monkeypatch, language, words):
    def broken(_plan):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(planning, "_compute", broken)
    plan = _failed_plan()
    assert plan.error_code == failures.FAILED
    assert words in _page(client, plan, language)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Too few people follow one another here yet to choose relays."),
        ("fr", "Trop peu de personnes se suivent ici pour choisir des relais."),
    ],
)
def test_a_graph_too_small_to_plan_on(client, language, words):
    # A new instance: the host alone.
    plan = _failed_plan(mode="optimise", scope="everyone", exclude_relayed=False)
    assert plan.error_code == failures.TOO_SMALL
    assert words in _page(client, plan, language)


@pytest.mark.django_db(transaction=True)
def test_failed_plans_from_before_get_their_codes():
    with back_to_latest():
        before, after = [("reach", "0002_verbose_names")], [("reach", "0003_plan_error_code")]
        campaign = CampaignFactory.create()
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        ReachPlan_ = executor.loader.project_state(before).apps.get_model("reach", "ReachPlan")
        said = {
            "failed": "Le calcul a échoué\u00a0; réessayez, ou avec moins de relais.",
            "nobody": "Nobody to choose from: widen the search.",
            "unknown": "Personnes inconnues\u00a0: a, b.",
            "other": "ε must be between 0 and 1.",
        }
        rows = {
            name: ReachPlan_.objects.create(campaign_id=campaign.pk, status="failed", error=error)
            for name, error in said.items()
        }
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        ReachPlan_ = executor.loader.project_state(after).apps.get_model("reach", "ReachPlan")
        codes = {
            name: ReachPlan_.objects.values_list("error_code", "error_params", "error").get(
                pk=row.pk
            )
            for name, row in rows.items()
        }
        assert codes == {
            "failed": ("failed", {}, ""),
            "nobody": ("nobody", {}, ""),
            "unknown": ("unknown_people", {"handles": "a, b"}, ""),
            "other": ("", {}, "ε must be between 0 and 1."),
        }
