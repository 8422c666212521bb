"""The front door, covers, share previews and accessibility, at a phone's width and a
laptop's: what a new visitor sees first."""

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import caches
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.settle import signatures_settle
from essaim.campaigns.tests.factories import EventFactory, PledgeFactory
from essaim.communities.tests.factories import CommunityFactory
from tests.browser.conftest import PASSWORD, LogIn, NewPage

WIDTHS = {"phone": 360, "desktop": 1366}
AXE = "/static/vendor/axe-core/axe.min.js"


def _sized(new_page: NewPage, width: int, **options: Any) -> Page:
    return new_page(viewport={"width": width, "height": 800}, **options)


def _campaign_with_progress() -> Any:
    pledge = PledgeFactory.create(
        campaign__title="Des fontaines dans chaque parc", goal_ladder="10"
    )
    for person in UserFactory.create_batch(4):
        pledge.signatures.create(user=person)
    signatures_settle()
    return pledge


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_front_door_lists_the_live_campaigns_with_their_progress(
    new_page: NewPage, width: int
) -> None:
    _campaign_with_progress()
    page = _sized(new_page, width)

    page.goto(reverse("feed:home"))

    card = page.get_by_test_id("campaign-card")
    expect(card).to_have_count(1)
    expect(card.locator("h3")).to_have_text("Des fontaines dans chaque parc")
    expect(card.get_by_test_id("card-count")).to_have_text("4")
    expect(card.get_by_test_id("card-progress")).to_have_attribute("value", "40")
    expect(card.get_by_test_id("card-action")).to_be_visible()
    # Nothing wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_on_a_phone_the_menu_folds_behind_its_button(new_page: NewPage) -> None:
    page = _sized(new_page, WIDTHS["phone"])
    page.goto(reverse("feed:home"))
    campaigns_link = page.locator("#site-nav").get_by_role("link", name="Campagnes")

    expect(campaigns_link).to_be_hidden()
    page.get_by_test_id("menu-toggle").click()
    expect(page.get_by_test_id("menu-toggle")).to_have_attribute("aria-expanded", "true")
    expect(campaigns_link).to_be_visible()
    box = campaigns_link.bounding_box()
    assert box is not None and box["height"] >= 44


def test_a_host_uploads_a_cover_and_sees_it_resized_on_the_card(
    new_page: NewPage, log_in: LogIn, tmp_path: Path
) -> None:
    pledge = _campaign_with_progress()
    host: User = pledge.campaign.created_by
    host.set_password(PASSWORD)
    host.save()
    EmailAddress.objects.create(user=host, email=host.email, verified=True, primary=True)
    photo = tmp_path / "fontaine.jpg"
    Image.new("RGB", (2400, 1200), (30, 110, 160)).save(photo, format="JPEG")
    page = _sized(new_page, WIDTHS["phone"])
    log_in(page, host)

    page.goto(reverse("campaigns:manage", args=[pledge.campaign.slug]))
    form = page.locator("form:has(input[name=section][value=campaign])")
    form.locator("input[name=cover]").set_input_files(photo)
    form.locator("input[name=cover_alt]").fill("Une fontaine dans un parc")
    form.get_by_role("button").last.click()
    page.goto(reverse("campaigns:list"))

    image = page.get_by_test_id("campaign-card").locator(".card-cover img")
    expect(image).to_have_attribute("alt", "Une fontaine dans un parc")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('.card-cover img'); "
        "return i.complete && i.naturalWidth > 0 }"
    )
    # A phone's screen gets the narrow copy, not the 1600 px one.
    assert re.search(r"_480x240\.webp$", image.evaluate("i => i.currentSrc"))
    loaded = page.evaluate(
        "() => performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    assert not [name for name in loaded if "_1600x800" in name or "_960x480" in name]


def test_a_campaign_preview_image_renders_and_changes_after_a_signature(
    new_page: NewPage, log_in: LogIn, member: User
) -> None:
    pledge = _campaign_with_progress()
    visitor = _sized(new_page, WIDTHS["desktop"])

    def preview() -> tuple[str, bytes]:
        visitor.goto(pledge.campaign.get_absolute_url())
        absolute = visitor.locator('meta[property="og:image"]').get_attribute("content") or ""
        # SITE_URL names the public address; the test's server answers on its own port.
        parts = urlsplit(absolute)
        url = f"{parts.path}?{parts.query}"
        answer = visitor.request.get(url)
        assert answer.status == 200 and answer.headers["content-type"] == "image/png"
        return url, answer.body()

    before_url, before = preview()
    supporter = _sized(new_page, WIDTHS["desktop"])
    log_in(supporter, member)
    supporter.goto(pledge.campaign.get_absolute_url())
    supporter.get_by_test_id("sign").click()
    expect(supporter.get_by_test_id("signed")).to_be_visible()
    signatures_settle()
    # Past the few seconds anonymous visitors share a rendering of the page.
    for cache in caches.all():
        cache.clear()
    after_url, after = preview()

    with Image.open(io.BytesIO(after)) as image:
        assert image.size == (1200, 630)
    assert after_url != before_url
    assert after != before


def _main_pages(member: User) -> list[tuple[str, bool]]:
    """(address, logged in): the ten pages a visitor meets first."""
    pledge = _campaign_with_progress()
    event = EventFactory.create(campaign=pledge.campaign, title="Atelier fontaines")
    community = CommunityFactory.create(name="Entraide Lyon")
    return [
        (reverse("feed:home"), False),
        (reverse("campaigns:list"), False),
        (pledge.campaign.get_absolute_url(), False),
        (event.get_absolute_url(), False),
        (reverse("communities:list"), False),
        (community.get_absolute_url(), False),
        (reverse("aid:list"), False),
        (reverse("account_login"), False),
        (reverse("account_signup"), False),
        (reverse("feed:home"), True),
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_main_pages_have_no_serious_accessibility_violation(
    new_page: NewPage, log_in: LogIn, member: User, width: int, scheme: str
) -> None:
    # The dark scheme is the visitor's preference (prefers-color-scheme): its colours are
    # checked for contrast as the light ones are.
    page = _sized(new_page, width, color_scheme=scheme)
    found: dict[str, list[str]] = {}
    for address, logged_in in _main_pages(member):
        if logged_in:
            log_in(page, member)
        page.goto(address)
        # axe-core from the npm registry (package.json, `make vendor`), served by the site
        # itself: the Content-Security-Policy allows it like any of our scripts.
        page.add_script_tag(url=AXE)
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {
                    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                });
                return result.violations
                    .filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
            }"""
        )
        found[address + (" (logged in)" if logged_in else "")] = violations
    assert {page: problems for page, problems in found.items() if problems} == {}
