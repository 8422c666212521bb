"""The optional proof of work on the one-step form: the page's own script fetches a
challenge, solves it in a Web Worker while the stranger types, and the form waits for it."""

import hashlib
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Request, Route, expect

from essaim.accounts.models import User
from essaim.campaigns.services.proof_of_work import leading_zero_bits
from essaim.campaigns.tests.factories import PledgeFactory
from tests.browser.conftest import NewPage

BITS = 10


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0
    settings.CAMPAIGNS_GUEST_PROOF_OF_WORK = True
    settings.CAMPAIGNS_GUEST_PROOF_BITS = BITS


def _fill(page: Page, name: str, email: str) -> None:
    form = page.get_by_test_id("guest-sign-form")
    form.locator('input[name="name"]').fill(name)
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="consent"]').check()


def test_the_pages_script_solves_the_challenge_and_the_form_waits_for_it(
    new_page: NewPage,
) -> None:
    campaign = PledgeFactory.create().campaign
    challenge_url = reverse("campaigns:proof_challenge", args=[campaign.slug, "guest-sign"])
    posts: list[Request] = []
    held: list[Route] = []
    # Playwright's routing does not promise to see what a service worker handles, and this
    # test rests on holding a request: the site's worker stays out of it.
    page = new_page(service_workers="block")
    page.on(
        "request",
        lambda request: posts.append(request) if request.method == "POST" else None,
    )
    # The challenge is held back until the stranger has pressed Sign: the form must wait.
    page.route(f"**{challenge_url}", lambda route: held.append(route))
    page.goto(campaign.get_absolute_url())

    _fill(page, "Nour Haddad", "nour@exemple.test")
    page.get_by_test_id("guest-sign").click()
    expect(page.get_by_test_id("proof-of-work")).to_contain_text("anti-robot")
    expect(page.get_by_test_id("guest-sign")).to_be_disabled()
    assert len(held) == 1 and posts == []

    held[0].continue_()
    expect(page.get_by_test_id("guest-pending")).to_be_visible()
    [post] = posts
    sent = parse_qs(post.post_data or "")
    [token], [nonce] = sent["proof_challenge"], sent["proof_nonce"]
    assert leading_zero_bits(hashlib.sha256((token + nonce).encode()).digest()) >= BITS
    assert User.objects.filter(is_guest=True, email="nour@exemple.test").exists()


# The refused form's 400 (a throw-away address), which Chromium logs as a failed load.
@pytest.mark.allow_console_errors("Failed to load resource")
def test_a_stranger_who_types_first_signs_at_once_and_without_javascript_is_told_why(
    new_page: NewPage,
) -> None:
    campaign = PledgeFactory.create().campaign
    page = new_page()
    page.goto(campaign.get_absolute_url())
    _fill(page, "Awa Diallo", "awa@yopmail.com")
    # Solved while typing: the status never had to ask for patience.
    expect(page.locator('input[name="proof_nonce"]')).not_to_have_value("")
    first_challenge = page.locator('input[name="proof_challenge"]').input_value()
    page.get_by_test_id("guest-sign").click()
    # Refused (a throw-away address), the form comes back in place with a challenge of its own.
    expect(page.get_by_test_id("guest-sign-form")).to_contain_text("jetable")
    page.get_by_test_id("guest-sign-form").locator('input[name="email"]').fill("awa@exemple.test")
    expect(page.locator('input[name="proof_nonce"]')).not_to_have_value("")
    assert page.locator('input[name="proof_challenge"]').input_value() != first_challenge
    page.get_by_test_id("guest-sign").click()
    expect(page.get_by_test_id("guest-pending")).to_be_visible()

    without = new_page(java_script_enabled=False)
    without.goto(campaign.get_absolute_url())
    expect(without.get_by_test_id("proof-needs-javascript")).to_be_visible()
    _fill(without, "Sam Martin", "sam@exemple.test")
    without.get_by_test_id("guest-sign").click()
    expect(without.get_by_test_id("guest-sign-form")).to_contain_text("JavaScript")
    assert list(User.objects.filter(is_guest=True).values_list("email", flat=True)) == [
        "awa@exemple.test"
    ]
