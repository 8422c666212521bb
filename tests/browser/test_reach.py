"""The reach planner in a real browser: a host of the challenge asks for the best 10 relays
among the campaign's followers; the page answers at once and shows the plan waiting, then
running, in a task worker; then one answer whose headline, gains and chart agree."""

import re
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management import call_command
from playwright.sync_api import expect

from essaim.accounts.models import UserFollow
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignFollow
from essaim.campaigns.tests.factories import CampaignFactory, ChallengeFactory
from essaim.reach.models import ReachPlan
from tests.browser.conftest import PASSWORD, LogIn, NewPage


def test_a_host_asks_for_the_best_ten_relays_among_the_followers(
    new_page: NewPage, log_in: LogIn, settings: Any
) -> None:
    # A real queue: the request only records the question, a worker computes it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    host = UserFactory.create(display_name="Camille Hôte")
    host.set_password(PASSWORD)
    host.save(update_fields=["password"])
    EmailAddress.objects.create(user=host, email=host.email, verified=True, primary=True)
    campaign = CampaignFactory.create(
        title="Défi 30 jours zéro déchet", slug="defi-zero-dechet", created_by=host
    )
    ChallengeFactory.create(campaign=campaign)
    people = UserFactory.create_batch(120)
    for index, person in enumerate(people):
        # A few accounts with large audiences, most with a handful of followers.
        audience = 40 if index < 5 else 3
        for fan in people[index + 1 : index + 1 + audience]:
            UserFollow.objects.create(follower=fan, followed=person)
        if index % 2 == 0:
            CampaignFollow.objects.create(campaign=campaign, user=person)

    page = new_page()
    log_in(page, host)
    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("planner-link").click()
    form = page.get_by_test_id("plan-form")
    form.locator("select[name=mode]").select_option("optimise")
    form.locator("input[name=k]").fill("10")
    form.locator("select[name=scope]").select_option("followers")
    page.get_by_test_id("plan-submit").click()
    expect(page).to_have_url(re.compile(r"/planner/\d+/$"))
    # Nothing computed yet: the page shows the plan waiting, with its progress bar.
    expect(page.get_by_test_id("plan")).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("plan-progress")).to_be_visible()
    assert ReachPlan.objects.get().status == ReachPlan.Status.QUEUED
    # The worker runs the queue (here in the test's own process, while the browser waits);
    # the page polls by itself (htmx) and shows the answer once it is done.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    expect(page.get_by_test_id("plan")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.get_by_test_id("plan-progress")).to_have_attribute("value", "100")
    rows = page.get_by_test_id("plan-relays").locator("tbody tr")
    expect(rows).to_have_count(10)
    plan = ReachPlan.objects.get()
    followers = set(CampaignFollow.objects.values_list("user_id", flat=True))
    assert {relay["id"] for relay in plan.result["relays"]} <= followers
    assert plan.rr_sets == plan.result["rr_sets"] > 0
    # One story: the headline is the sum of the gains, the table's total and the chart's
    # last point; the certified ratio and the Monte Carlo check are stated beside it.
    headline = int(page.get_by_test_id("plan-reach").inner_text())
    gains = [int(text.lstrip("+")) for text in page.get_by_test_id("plan-gain").all_inner_texts()]
    assert len(gains) == 10 and sum(gains) == headline > 10
    assert min(gains) >= 0
    expect(page.get_by_test_id("plan-total")).to_have_text(str(headline))
    last_point = page.locator("figure.chart svg rect title").last
    # "10 : 59" on the French page (a no-break space before the colon), "10: 59" in English.
    expect(last_point).to_have_text(re.compile(rf"^10\s?: {headline}\s*$"))
    expect(page.get_by_test_id("plan-certified")).to_contain_text("%")
    check = plan.result["check"]
    assert check["low"] <= plan.result["high"] and plan.result["low"] <= check["high"]
    expect(page.get_by_test_id("plan-check")).to_be_visible()
