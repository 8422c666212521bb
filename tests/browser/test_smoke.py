"""The site opens in a real browser under its Content-Security-Policy, in French and English."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from tests.browser.conftest import LogIn, NewPage


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def log_in_link() -> str:
    return f'header a[href="{reverse("account_login")}"]'


def test_home_page_loads_under_the_content_security_policy(page: Page) -> None:
    response = page.goto(reverse("feed:home"))

    assert response is not None
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    expect(page).to_have_title(re.compile(r"Essaim$"))
    # The scripts and the stylesheet came through the policy: htmx runs, the CSS applies.
    assert page.evaluate("() => typeof window.htmx") == "object"
    assert page.evaluate("() => document.styleSheets.length") >= 1
    expect(page.locator(".site-header .brand")).to_have_text("Essaim")
    # Console errors, CSP violations included, fail the test in the `page` fixture.


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
@pytest.mark.parametrize("url_name", ["feed:home", "account_login"])
def test_language_switch_flips_the_page_between_french_and_english(
    new_page: NewPage, url_name: str, javascript: bool
) -> None:
    french, english = translated("fr", "Log in"), translated("en", "Log in")
    assert french != english, "the French catalogue must translate the log-in link"
    page = new_page(java_script_enabled=javascript)
    page.goto(reverse(url_name))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(log_in_link())).to_have_text(french)

    page.locator('.language-switch button[value="en"]').click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(log_in_link())).to_have_text(english)
    expect(page.locator('.language-switch button[value="en"]')).to_have_attribute(
        "aria-current", "true"
    )
    assert page.url.endswith(reverse(url_name)), "the switch brings the visitor back"

    page.locator('.language-switch button[value="fr"]').click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(log_in_link())).to_have_text(french)


def test_a_member_logs_in_through_the_form(page: Page, member: User, log_in: LogIn) -> None:
    log_in(page, member)

    expect(page.locator("header")).to_contain_text(member.display_name)
    expect(page.locator(log_in_link())).to_have_count(0)
