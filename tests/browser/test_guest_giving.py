"""Giving to a fundraiser without an account, in a real browser: a stranger gives money (the
same form sent twice is one gift) and offers goods, confirms them through the e-mail's page,
and the host's "Delivered" counts them toward the goal."""

import pytest
from django.core import mail
from django.core.cache import caches
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.campaigns.models import Donation, InKindPledge
from essaim.campaigns.tests.factories import CampaignFactory, FundraiserFactory
from essaim.core.pagecache import PROCESS_CACHE
from tests.browser.conftest import LogIn, NewPage, mail_link

ADDRESS = "ines.moreau@exemple.test"


@pytest.fixture(autouse=True)
def _settings(settings):
    # The minimum-time check is the form's own test's business (essaim/campaigns/tests).
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0


def _fill_person(page: Page, testid: str) -> None:
    form = page.get_by_test_id(f"{testid}-form")
    form.locator('input[name="name"]').fill("Inès Moreau")
    form.locator('input[name="email"]').fill(ADDRESS)
    form.locator('input[name="consent"]').check()


def _visit_afresh(page: Page, url: str) -> None:
    """The campaign's page as a new visitor sees it once the anonymous crowd's shared copies
    (core.pagecache: the shared one and this process's own, seconds old at most) have been
    renewed: cleared here."""
    for name in ("default", PROCESS_CACHE):
        caches[name].clear()
    page.goto(url)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_stranger_gives_once_even_double_clicking_and_gets_a_receipt(
    new_page: NewPage, javascript: bool
) -> None:
    mail.outbox.clear()
    fundraiser = FundraiserFactory.create(goal_amount=1_000_00)
    page = new_page(java_script_enabled=javascript)
    page.goto(fundraiser.campaign.get_absolute_url())
    page.get_by_test_id("guest-give-link").click()
    _fill_person(page, "guest-give")
    page.get_by_test_id("guest-give-form").locator('input[name="amount"]').fill("30")
    # An impatient double click: one form, one idempotency key, one gift.
    page.get_by_test_id("guest-give").dblclick()
    expect(page.get_by_test_id("guest-gave")).to_contain_text("30")
    assert Donation.objects.count() == 1
    donation = Donation.objects.get()
    assert (donation.amount, donation.anonymous, donation.status) == (30_00, True, "succeeded")

    _visit_afresh(page, fundraiser.campaign.get_absolute_url())
    expect(page.get_by_test_id("raised")).to_have_text("30 €")
    # The receipt, with the link to what the guest gave.
    mail_link(ADDRESS, "guest-data")


def test_a_stranger_offers_goods_confirms_them_and_the_host_counts_them_once_delivered(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    mail.outbox.clear()
    campaign = CampaignFactory.create(created_by=member, slug="colis-solidaires")
    FundraiserFactory.create(campaign=campaign, goal_amount=1_000_00)

    page = new_page()
    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("guest-in-kind-link").click()
    _fill_person(page, "guest-in-kind")
    form = page.get_by_test_id("guest-in-kind-form")
    form.locator('input[name="item"]').fill("Sacs de riz")
    form.locator('input[name="quantity"]').fill("20")
    form.locator('input[name="unit"]').fill("kg")
    form.locator('input[name="declared_value"]').fill("40")
    page.get_by_test_id("guest-in-kind").click()
    expect(page.get_by_test_id("guest-pending")).to_be_visible()
    assert not InKindPledge.objects.exists()

    # The e-mail's page: its GET changes nothing, its button records the pledge.
    page.goto(mail_link(ADDRESS, "confirm"))
    assert not InKindPledge.objects.exists()
    page.get_by_test_id("guest-confirm").click()
    expect(page.get_by_test_id("guest-confirmed")).to_be_visible()
    _visit_afresh(page, campaign.get_absolute_url())
    expect(page.get_by_test_id("in-kind-promised")).to_contain_text("40")
    expect(page.get_by_test_id("raised")).to_have_text("0 €")

    # The host marks the goods delivered in the ledger: they count toward the goal.
    host_page = new_page()
    log_in(host_page, member)
    host_page.goto(f"/campaigns/{campaign.slug}/ledger/")
    host_page.get_by_role("button", name="Livré").click()
    pledge = InKindPledge.objects.get()
    expect(host_page.get_by_role("button", name="Livré")).to_have_count(0)
    pledge.refresh_from_db()
    assert (pledge.status, pledge.partner, pledge.declared_value) == (
        "delivered",
        "Inès Moreau",
        40_00,
    )
    _visit_afresh(page, campaign.get_absolute_url())
    expect(page.get_by_test_id("raised")).to_have_text("40 €")
    expect(page.get_by_test_id("raised-in-kind")).to_contain_text("40")
