"""A host sets a batch of suspicious signatures aside: a preview, the count drops on the
campaign's page, and the batch comes back on restore."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from essaim.accounts.models import User
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.campaigns.tests.test_invalidation import HOME_NETWORK, SPAM_NETWORK, guest
from tests.browser.conftest import LogIn, NewPage


@pytest.mark.parametrize("java_script_enabled", [True, False], ids=["htmx", "no-js"])
def test_a_host_invalidates_a_batch_and_the_count_drops_then_restores_it(
    new_page: NewPage, log_in: LogIn, member: User, java_script_enabled: bool
) -> None:
    campaign = CampaignFactory.create(created_by=member, slug="canal-propre")
    pledge = PledgeFactory.create(campaign=campaign)
    for number in range(3):
        guest(pledge, f"robot{number}@spam.test", SPAM_NETWORK)
    guest(pledge, "ines@exemple.test", HOME_NETWORK)
    page = new_page(java_script_enabled=java_script_enabled)
    log_in(page, member)

    page.goto(campaign.get_absolute_url())
    expect(page.get_by_test_id("signature-count")).to_have_text("4")
    page.goto(reverse("campaigns:manage", args=[campaign.slug]))
    page.get_by_test_id("invalidations-link").click()
    form = page.get_by_test_id("invalidation-form")
    form.locator('input[name="network"]').fill("198.51.100.23")
    if java_script_enabled:
        page.evaluate("() => { window.__stayed = true }")
    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("preview-count")).to_have_text("3")
    if java_script_enabled:
        assert page.evaluate("() => window.__stayed === true"), "htmx swapped the preview in"
    # Masked for a host: the domain, never the person.
    expect(page.get_by_test_id("preview-sample")).to_contain_text("•••@spam.test")
    expect(page.get_by_test_id("preview-sample")).not_to_contain_text("robot0")
    form.locator('textarea[name="reason"]').fill("Trois signatures d'un même réseau en une minute")
    page.get_by_test_id("invalidate").click()

    expect(page.get_by_test_id("invalidation-batches")).to_contain_text("198.51.100.0/24")
    assert signature_count(pledge) == 1
    page.goto(campaign.get_absolute_url())
    expect(page.get_by_test_id("signature-count")).to_have_text("1")

    page.goto(reverse("campaigns:invalidations", args=[campaign.slug]))
    page.get_by_test_id("restore").click()
    expect(page.get_by_test_id("restore")).to_have_count(0)
    page.goto(campaign.get_absolute_url())
    expect(page.get_by_test_id("signature-count")).to_have_text("4")
