"""The API from an organiser's point of view: a token created on the profile page signs a
pledge through the API, and the campaign page shows the signature."""

import json
import re
import urllib.request

from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.models import User
from essaim.api.models import AccessToken
from essaim.campaigns.models import Signature
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from tests.browser.conftest import LogIn


def test_an_organiser_creates_a_token_and_signs_through_the_api(
    page: Page, member: User, log_in: LogIn, live_server: LiveServer
) -> None:
    campaign = CampaignFactory.create(slug="arbres", title="Planter des arbres")
    PledgeFactory.create(campaign=campaign)
    log_in(page, member)

    page.goto(reverse("accounts:settings"))
    page.get_by_test_id("tokens-link").click()
    form = page.get_by_test_id("token-form")
    form.locator('input[name="name"]').fill("Mon script")
    form.locator('input[name="scope"][value="write"]').check()
    form.locator('[type="submit"]').click()
    secret = page.get_by_test_id("token-secret").input_value()
    assert re.fullmatch(r"essaim_[\w-]{40,}", secret)
    expect(page.get_by_test_id("token")).to_contain_text("Mon script")

    request = urllib.request.Request(  # noqa: S310 - the live server of this test
        f"{live_server.url}/api/v1/campaigns/arbres/pledge/signature",
        data=json.dumps({"show_name": True}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert json.load(response)["signed"] is True

    page.goto(campaign.get_absolute_url())
    expect(page.get_by_test_id("signature-count")).to_have_text("1")
    expect(page.get_by_test_id("signed")).to_be_visible()
    expect(page.get_by_test_id("pledge")).to_contain_text(member.display_name)
    assert Signature.objects.get().user == member

    # Revoked on the page, the token stops working at once.
    page.goto(reverse("tokens:list"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("revoked")).to_be_visible()
    assert AccessToken.objects.get().revoked_at is not None


def test_the_api_docs_load_from_local_files(page: Page) -> None:
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui")).to_be_visible()
    expect(page.get_by_text("Essaim API").first).to_be_visible()
