"""Share links in a real browser: a newcomer follows a supporter's link, signs up and signs;
the hosts' dashboard counts one more referral and shows it two generations down the tree."""

import re

from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.relay.models import Supporter
from essaim.relay.services import link_for, supporter_record
from tests.browser.conftest import PASSWORD, LogIn, NewPage
from tests.browser.test_journey import sign_up_and_verify


def test_a_share_link_brings_a_newcomer_two_generations_down(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    # `member` hosts the campaign; Inès came through the host's link and signed.
    campaign = CampaignFactory.create(
        title="Des fontaines dans les parcs", slug="fontaines", created_by=member
    )
    PledgeFactory.create(campaign=campaign, text="Je demande une fontaine par parc.")
    ines = UserFactory.create(display_name="Inès Relais")
    supporter_record(
        campaign=campaign, user=ines, action="sign", link=link_for(user=member, campaign=campaign)
    )
    code = link_for(user=ines, campaign=campaign).code

    host = new_page()
    log_in(host, member)
    host.goto(campaign.get_absolute_url())
    host.get_by_test_id("reach-link").click()
    expect(host).to_have_url(re.compile(r"/reach/$"))
    expect(host.get_by_test_id("referrals")).to_have_text("1")

    # A newcomer opens Inès's link, signs up, then signs in one click.
    newcomer = new_page()
    newcomer.goto(reverse("relay:go", args=[code]))
    expect(newcomer.get_by_test_id("campaign")).to_contain_text("Des fontaines dans les parcs")
    sign_up_and_verify(newcomer, "yanis@exemple.test", "Yanis Nouveau")
    newcomer.goto(campaign.get_absolute_url())
    newcomer.get_by_test_id("sign").click()
    expect(newcomer.get_by_test_id("signed")).to_be_visible()
    supporter = Supporter.objects.get(user__email="yanis@exemple.test")
    assert supporter.referrer == ines and supporter.generation == 2
    # The newcomer now has a link of their own to pass on.
    newcomer.reload()
    expect(newcomer.get_by_test_id("share-url")).to_have_value(re.compile(r"/r/[\w-]+$"))

    # The host's dashboard: one more referral, and Yanis under Inès under the host.
    host.reload()
    expect(host.get_by_test_id("referrals")).to_have_text("2")
    node = host.get_by_test_id("tree-node").filter(has_text="Yanis Nouveau").last
    expect(node).to_be_visible()
    expect(node).to_have_attribute("data-generation", "2")
    parent = host.get_by_test_id("tree-node").filter(has_text="Inès Relais").first
    expect(parent).to_contain_text("Yanis Nouveau")

    # Inès is told, in-app, that her link worked.
    relay = new_page()
    ines.set_password(PASSWORD)
    ines.save(update_fields=["password"])
    EmailAddress.objects.create(user=ines, email=ines.email, verified=True, primary=True)
    log_in(relay, ines)
    expect(relay.get_by_test_id("notification-count")).to_have_text("1")
    relay.get_by_test_id("bell").click()
    expect(relay.get_by_test_id("notification")).to_contain_text("Des fontaines dans les parcs")
