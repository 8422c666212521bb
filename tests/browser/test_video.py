"""A campaign's video in the browser: the host links it, a visitor sees our copy of its
picture, nothing is asked of the video's platform (a fake PeerTube on loopback) until the
visitor clicks, and the click frames the platform's player."""

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache, caches
from django.urls import reverse
from playwright.sync_api import Request, expect

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignVideo
from essaim.campaigns.services.video import campaign_video_set
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.campaigns.tests.video_platform import FakePlatform, running_platform
from tests.browser.conftest import PASSWORD, LogIn, NewPage


@pytest.fixture
def platform(settings: Any) -> Iterator[FakePlatform]:
    with running_platform() as running:
        settings.VIDEO_PLATFORMS = ["youtube", "vimeo"]
        settings.VIDEO_PEERTUBE_HOSTS = [running.origin]
        yield running


def _campaign_and_host() -> tuple[Campaign, User]:
    campaign = PledgeFactory.create(campaign__title="Un hiver au camp").campaign
    host: User = campaign.created_by
    host.set_password(PASSWORD)
    host.save()
    EmailAddress.objects.create(user=host, email=host.email, verified=True, primary=True)
    return campaign, host


@pytest.mark.parametrize("width", [360, 1366])
def test_the_video_plays_from_its_platform_only_once_the_visitor_clicks(
    new_page: NewPage, log_in: LogIn, platform: FakePlatform, width: int
) -> None:
    campaign, host = _campaign_and_host()
    hosting = new_page(viewport={"width": width, "height": 800})
    log_in(hosting, host)
    hosting.goto(reverse("campaigns:manage", args=[campaign.slug]))
    form = hosting.locator("form:has(input[name=section][value=video])")
    form.locator("input[name=url]").fill(platform.video_url())
    form.get_by_role("button").click()
    expect(hosting.get_by_test_id("video-state")).to_contain_text("Appel du camp")
    video = CampaignVideo.objects.get(campaign=campaign)
    platform.requests.clear()
    cache.clear()
    caches["process"].clear()

    page = new_page(viewport={"width": width, "height": 800})
    asked: list[str] = []

    def remember(request: Request) -> None:
        asked.append(request.url)

    page.on("request", remember)
    page.goto(campaign.get_absolute_url())
    poster = page.get_by_test_id("campaign-video").locator("img")
    poster.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('.video-poster img'); "
        "return i.complete && i.naturalWidth > 0 }"
    )
    expect(page.get_by_test_id("campaign-video")).to_contain_text("Appel du camp")
    assert "/media/videos/" in poster.evaluate("i => i.currentSrc")
    # Nothing went to the platform: the page, our scripts and our copy of the picture only.
    assert [url for url in asked if url.startswith(platform.origin)] == []
    assert platform.requests == []
    expect(page.locator("iframe")).to_have_count(0)

    page.get_by_test_id("video-play").click()

    frame = page.locator("iframe.video-frame")
    expect(frame).to_have_attribute("src", f"{video.embed_url}?autoplay=1")
    expect(frame).to_have_attribute("title", video.title)
    # The Content-Security-Policy lets the allowed player in: it loads.
    expect(page.frame_locator("iframe.video-frame").locator("#player")).to_have_text("Fake player")
    assert platform.asked("/videos/embed/") == [
        f"/videos/embed/{video.embed_url.rsplit('/', 1)[-1]}?autoplay=1"
    ]


def test_without_javascript_the_picture_links_to_the_video(
    new_page: NewPage, platform: FakePlatform
) -> None:
    campaign, host = _campaign_and_host()
    # The link is given through the service here; the test above uses the form.
    campaign_video_set(actor=host, campaign=campaign, url=platform.video_url())
    cache.clear()
    caches["process"].clear()
    page = new_page(java_script_enabled=False)

    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("video-play").click()

    expect(page).to_have_url(platform.video_url())
