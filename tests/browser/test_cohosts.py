"""An invited co-host, in a real browser: the notice leads to the campaign page, where they
accept; the campaign then counts them among its hosts."""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services.campaigns import host_invite
from essaim.campaigns.tests.factories import CampaignFactory
from tests.browser.conftest import LogIn


def test_an_invited_co_host_is_told_and_accepts_from_the_notice(
    page: Page, member: User, log_in: LogIn
) -> None:
    campaign = CampaignFactory.create(title="Des fontaines dans les parcs")
    host_invite(actor=campaign.created_by, campaign=campaign, user=member)
    log_in(page, member)
    page.goto(reverse("notifications:list"))
    notice = page.get_by_test_id("notification").filter(has_text="Des fontaines dans les parcs")
    expect(notice).to_contain_text("vous invite à co-organiser")
    notice.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(campaign.get_absolute_url())))
    page.get_by_test_id("accept-invitation").click()
    expect(page.get_by_test_id("hosts")).to_contain_text(member.display_name)
    expect(page.get_by_test_id("host-invitation")).to_have_count(0)
    assert CampaignHost.objects.get(user=member).status == CampaignHost.Status.ACCEPTED
