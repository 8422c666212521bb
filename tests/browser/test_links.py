"""Links carry the address the site is served on (`PORT=8200 make demo`), not SITE_URL's."""

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.models import User
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.relay.services import link_for
from tests.browser.conftest import LogIn


def test_share_links_point_at_the_server_the_page_came_from(
    page: Page, member: User, log_in: LogIn, live_server: LiveServer, settings
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"  # nobody listens there in this test
    settings.SITE_URL_FROM_REQUEST = True
    campaign = PledgeFactory.create().campaign
    code = link_for(user=member, campaign=campaign).code
    log_in(page, member)
    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("signed")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("share-url")).to_have_value(f"{live_server.url}/r/{code}")
    assert "127.0.0.1:8000" not in page.content()
