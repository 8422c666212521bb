"""A one-click action refused under htmx tells the person why, in the page's #messages area.

htmx swaps no 4xx/5xx answer by default: without essaim.js's `htmx:beforeSwap` handler the
button would just do nothing. Chromium logs every 4xx/5xx XHR as "Failed to load resource".
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.trust import MEMBER, NEW, STAFF, TRUSTED
from essaim.campaigns.models import Campaign, Signature
from essaim.campaigns.selectors import campaign_forget
from essaim.campaigns.services import pledge as pledge_services
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from tests.browser.conftest import LogIn, NewPage


def _campaign_page(new_page: NewPage, member: User, log_in: LogIn) -> tuple[Page, Campaign]:
    campaign = CampaignFactory.create(title="Pour un parc au bord du canal")
    PledgeFactory.create(campaign=campaign, text="Je soutiens le parc.")
    page = new_page()
    log_in(page, member)
    page.goto(campaign.get_absolute_url())
    page.evaluate("() => { window.__stayed = true }")
    return page, campaign


def _assert_refused_in_place(page: Page) -> None:
    """The refusal changed nothing else: same page, the panel and its button still there."""
    assert page.evaluate("() => window.__stayed === true"), "the page was reloaded"
    expect(page.locator("#pledge")).to_have_count(1)
    expect(page.get_by_test_id("sign")).to_be_enabled()
    # No full error page (its header, its footer) swapped into the page.
    expect(page.locator("header.site-header")).to_have_count(1)
    assert not Signature.objects.exists()


@pytest.mark.allow_console_errors("Failed to load resource")
def test_a_suspended_person_who_signs_reads_why(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    page, _campaign = _campaign_page(new_page, member, log_in)
    # Suspended while the page was open: the button is there, the service refuses (403).
    member.suspended_until = timezone.now() + timedelta(days=3)
    member.save(update_fields=["suspended_until"])

    page.get_by_test_id("sign").click()

    message = page.locator("#messages .message.error")
    expect(message).to_contain_text("Votre compte est suspendu")
    expect(message).to_have_attribute("data-status", "403")
    _assert_refused_in_place(page)


@pytest.mark.allow_console_errors("Failed to load resource")
def test_signing_a_campaign_closed_since_the_page_loaded_says_so(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    page, campaign = _campaign_page(new_page, member, log_in)
    campaign.status = Campaign.Status.CLOSED
    campaign.save(update_fields=["status"])
    campaign_forget(campaign.slug)  # as the services that close a campaign do

    page.get_by_test_id("sign").click()

    message = page.locator("#messages .message.error")
    expect(message).to_contain_text("Cette campagne n'est pas ouverte")
    expect(message).to_have_attribute("data-status", "400")
    _assert_refused_in_place(page)


@pytest.mark.allow_console_errors("Failed to load resource")
def test_a_write_over_the_limit_says_to_wait(
    new_page: NewPage, member: User, log_in: LogIn, settings: Any
) -> None:
    page, _campaign = _campaign_page(new_page, member, log_in)
    settings.RATE_LIMITS = {
        f"account:{level}": [(0, 60)] for level in (NEW, MEMBER, TRUSTED, STAFF)
    }

    page.get_by_test_id("sign").click()

    message = page.locator("#messages .message.error")
    expect(message).to_contain_text("Trop de requêtes")
    expect(message).to_have_attribute("data-status", "429")
    _assert_refused_in_place(page)


@pytest.mark.allow_console_errors("Failed to load resource", "HTTP 503 POST")
def test_a_database_outage_says_something_went_wrong(
    new_page: NewPage, member: User, log_in: LogIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, _campaign = _campaign_page(new_page, member, log_in)

    def outage(**kwargs: object) -> None:
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(pledge_services, "pledge_sign", outage)

    page.get_by_test_id("sign").click()

    # A whole page (503, 500, Django's own 403 for a stale CSRF token...) is never swapped into
    # a panel: a short message stands for it.
    message = page.locator("#messages .message.error")
    expect(message).to_contain_text("Cela n'a pas fonctionné")
    _assert_refused_in_place(page)


# htmx itself logs a request that got no answer as errors.
@pytest.mark.allow_console_errors("Failed to load resource", r"htmx:(sendError|afterRequest)")
def test_a_lost_connection_says_something_went_wrong(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    page, _campaign = _campaign_page(new_page, member, log_in)
    # The browser's own offline mode, as a phone losing its signal: no request leaves. (A
    # `page.route` that aborted the request once let it through to the server in CI, signed.)
    page.context.set_offline(True)

    page.get_by_test_id("sign").click()

    expect(page.locator("#messages .message.error")).to_contain_text("Cela n'a pas fonctionné")
    _assert_refused_in_place(page)
