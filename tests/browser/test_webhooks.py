"""Webhooks in a real browser: an organiser registers an endpoint on a receiver the test runs
on 127.0.0.1, a supporter signs, and the organiser's delivery log shows the delivery
succeeded; the receiver checked its HMAC signature with the secret the page showed."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from playwright.sync_api import expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.webhooks.tests.receiver import running_receiver
from tests.browser.conftest import PASSWORD, LogIn, NewPage


def verified_person(name: str) -> User:
    user = UserFactory.create(display_name=name)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture(autouse=True)
def local_receivers(settings: pytest.FixtureRequest) -> None:
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1", "localhost"]  # type: ignore[attr-defined]
    cache.clear()


def test_an_organiser_sees_a_verified_delivery_of_a_new_signature(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    campaign = CampaignFactory.create(
        title="Zéro plastique à la cantine", slug="cantine", created_by=member
    )
    PledgeFactory.create(campaign=campaign, text="Je demande des cantines sans plastique.")
    signer = verified_person("Camille Soutien")

    with running_receiver() as receiver:
        host = new_page()
        log_in(host, member)
        host.goto(campaign.get_absolute_url())
        host.get_by_test_id("webhooks-link").click()
        expect(host).to_have_url(re.compile(r"/campaigns/cantine/webhooks/$"))
        form = host.get_by_test_id("endpoint-form")
        form.locator('input[name="url"]').fill(receiver.url)
        form.get_by_label("Inscription à un événement").uncheck()
        form.get_by_test_id("add-endpoint").click()
        expect(host).to_have_url(re.compile(r"/campaigns/cantine/webhooks/\d+/$"))
        receiver.secret = host.get_by_test_id("secret").inner_text()
        assert receiver.secret.startswith("whsec_")
        expect(host.get_by_test_id("no-delivery")).to_be_visible()

        # A supporter signs in one click, on the campaign page.
        supporter = new_page()
        log_in(supporter, signer)
        supporter.goto(campaign.get_absolute_url())
        supporter.get_by_test_id("sign").click()
        expect(supporter.get_by_test_id("signed")).to_be_visible()

        host.reload()
        delivery = host.locator('[data-testid="delivery"][data-event="signature.created"]')
        expect(delivery).to_have_attribute("data-status", "succeeded")
        expect(delivery.get_by_test_id("delivery-code")).to_contain_text("200")
        [received] = receiver.received
        assert received.verified
        assert received.headers["essaim-event"] == "signature.created"
        assert received.json["campaign"]["slug"] == "cantine"

        # The test ping and a redelivery show up in the log too, and verify.
        host.get_by_test_id("ping").click()
        ping = host.locator('[data-testid="delivery"][data-event="ping"]')
        expect(ping).to_have_attribute("data-status", "succeeded")
        delivery.get_by_test_id("redeliver").click()
        expect(host.get_by_test_id("delivery")).to_have_count(2)
        assert len(receiver.received) == 3 and all(r.verified for r in receiver.received)
        assert (
            receiver.received[2].headers["essaim-delivery"] == received.headers["essaim-delivery"]
        )
