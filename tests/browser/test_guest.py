"""Strangers from a shared link sign without an account, in one step, and confirm through the
page their e-mail links to."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import GuestAction, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.relay.models import ShareLink, Supporter
from essaim.relay.services import link_for
from tests.browser.conftest import NewPage


@pytest.fixture(autouse=True)
def _settings(settings):
    # The minimum-time check is the form's own test's business (essaim/campaigns/tests).
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0


def _fill(page: Page, name: str, email: str) -> None:
    form = page.get_by_test_id("guest-sign-form")
    form.locator('input[name="name"]').fill(name)
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="postcode"]').fill("93500")
    form.locator('input[name="consent"]').check()
    page.get_by_test_id("guest-sign").click()


def _confirmation_path(email: str) -> str:
    [message] = [message for message in mail.outbox if message.to == [email]]
    found = re.search(r"https?://[^/\s]+(/\S+/confirm/\S+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_a_stranger_signs_in_one_step_confirms_by_the_mails_page_and_shares(
    new_page: NewPage,
) -> None:
    mail.outbox.clear()
    campaign = CampaignFactory.create(title="Sauvons le canal", slug="sauvons-le-canal")
    pledge = PledgeFactory.create(campaign=campaign, text="Je soutiens le canal.")
    friend = UserFactory.create()
    shared = link_for(user=friend, campaign=campaign)

    # With JavaScript: the form swaps the panel for the pending state and the share link.
    page = new_page()
    page.goto(reverse("relay:go", args=[shared.code]))
    page.evaluate("() => { window.__stayed = true }")
    _fill(page, "Nour Haddad", "nour@exemple.test")
    expect(page.get_by_test_id("guest-pending")).to_be_visible()
    first_url = page.get_by_test_id("share-url").input_value()
    assert page.evaluate("() => window.__stayed === true"), "htmx swapped the panel in place"
    assert signature_count(pledge) == 0
    guest = User.objects.get(email="nour@exemple.test")
    assert guest.is_guest and first_url.endswith(ShareLink.objects.get(owner=guest).code)

    # The e-mail's link shows one button; only pressing it counts.
    page.goto(_confirmation_path("nour@exemple.test"))
    expect(page.get_by_test_id("guest-confirm")).to_be_visible()
    assert not Signature.objects.exists()
    page.get_by_test_id("guest-confirm").click()
    expect(page.get_by_test_id("guest-confirmed")).to_be_visible()
    expect(page.get_by_test_id("share-url")).to_have_value(first_url)
    assert signature_count(pledge) == 1
    supporter = Supporter.objects.get(user=guest)
    assert supporter.referrer_id == friend.pk

    # Without JavaScript, a second stranger signs through the first one's link.
    second = new_page(java_script_enabled=False)
    second.goto(urlsplit(first_url).path)
    _fill(second, "Awa Diallo", "awa@exemple.test")
    expect(second).to_have_url(
        re.compile(re.escape(reverse("campaigns:guest_signed", args=[campaign.slug])))
    )
    expect(second.get_by_test_id("guest-pending")).to_be_visible()
    expect(second.get_by_test_id("share-url")).to_be_visible()
    second.goto(_confirmation_path("awa@exemple.test"))
    second.get_by_test_id("guest-confirm").click()
    expect(second.get_by_test_id("guest-confirmed")).to_be_visible()

    assert signature_count(pledge) == 2
    assert Supporter.objects.get(user__email="awa@exemple.test").referrer_id == guest.pk
    assert GuestAction.objects.filter(confirmed_at__isnull=False).count() == 2
    for seen in (page, second):
        seen.goto(campaign.get_absolute_url())
        assert "nour@exemple.test" not in seen.content()
