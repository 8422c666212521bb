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
from essaim.campaigns.services.guest import confirmation_token, guest_act, guest_confirm
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.relay.models import ShareLink, Supporter
from essaim.relay.services import link_for
from tests.browser.conftest import PASSWORD, LogIn, NewPage, mail_link


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
    page.goto(mail_link("nour@exemple.test", "confirm"))
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
    second.goto(mail_link("awa@exemple.test", "confirm"))
    second.get_by_test_id("guest-confirm").click()
    expect(second.get_by_test_id("guest-confirmed")).to_be_visible()

    assert signature_count(pledge) == 2
    assert Supporter.objects.get(user__email="awa@exemple.test").referrer_id == guest.pk
    assert GuestAction.objects.filter(confirmed_at__isnull=False).count() == 2
    for seen in (page, second):
        seen.goto(campaign.get_absolute_url())
        assert "nour@exemple.test" not in seen.content()


def test_a_guests_referral_reaches_the_hosts_and_their_account_later_keeps_it_counted_once(
    page: Page, new_page: NewPage, member: User, log_in: LogIn
) -> None:
    """The rest of the stranger's story: the hosts' dashboard counts what a guest's link
    brought, and the guest who later makes an account with the same address finds their
    signature, their link and its referral there, each counted once."""
    mail.outbox.clear()
    campaign = CampaignFactory.create(created_by=member, slug="sauvons-le-canal")
    pledge = PledgeFactory.create(campaign=campaign)
    first = guest_act(target=pledge, email="nour@exemple.test", name="Nour Haddad")
    guest_confirm(token=confirmation_token(first), campaign=campaign)
    first_link = link_for(user=first.user, campaign=campaign)  # as the pending page makes it
    second = guest_act(
        target=pledge, email="awa@exemple.test", name="Awa Diallo", via=first_link.code
    )
    guest_confirm(token=confirmation_token(second), campaign=campaign)
    assert Supporter.objects.get(user=second.user).referrer_id == first.user_id

    log_in(page, member)
    page.goto(reverse("relay:dashboard", args=[campaign.slug]))
    expect(page.get_by_test_id("participants")).to_have_text("2")
    expect(page.get_by_test_id("referrals")).to_have_text("1")
    # Named as the hosts may know them: Nour did not tick "hear from the hosts".
    expect(page.get_by_test_id("relays")).to_contain_text("Un soutien sans compte")
    expect(page.get_by_test_id("relays")).not_to_contain_text("Nour")

    # Nour signs up with the address: allauth tells the address's owner, by e-mail only,
    # that it has an account already; the password reset it offers lets them in.
    nour = new_page()
    nour.goto(reverse("account_signup"))
    nour.locator('input[name="email"]').fill("nour@exemple.test")
    nour.locator('input[name="display_name"]').fill("Nour")
    nour.locator('input[name="password1"]').fill(PASSWORD)
    nour.locator('input[name="password2"]').fill(PASSWORD)
    nour.locator('form:has(input[name="password1"]) [type="submit"]').click()
    nour.goto(reverse("account_reset_password"))
    nour.locator('input[name="email"]').fill("nour@exemple.test")
    nour.locator('form:has(input[name="email"]) [type="submit"]').click()
    expect(nour).to_have_url(re.compile(re.escape(reverse("account_reset_password_done"))))
    [reset] = [
        m
        for m in mail.outbox
        if m.to == ["nour@exemple.test"] and "/password/reset/key/" in str(m.body)
    ]
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(reset.body))
    assert found, reset.body
    nour.goto(found.group(1))
    nour.locator('input[name="password1"]').fill(PASSWORD)
    nour.locator('input[name="password2"]').fill(PASSWORD)
    nour.get_by_role("button", name="Modifier le mot de passe").click()
    expect(nour).to_have_url(re.compile(re.escape(reverse("account_reset_password_from_key_done"))))
    claimed = User.objects.get(pk=first.user_id)
    assert not claimed.is_guest
    log_in(nour, claimed)

    nour.goto(campaign.get_absolute_url())
    expect(nour.get_by_test_id("signed")).to_be_visible()
    expect(nour.get_by_test_id("share-url")).to_have_value(
        re.compile(re.escape(first_link.code) + "$")
    )
    expect(nour.get_by_test_id("share-stats")).to_contain_text("1 personne amenée par votre lien")
    assert signature_count(pledge) == 2
    assert Signature.objects.filter(user=claimed).count() == 1
    assert Supporter.objects.filter(user=claimed, campaign=campaign).count() == 1
    assert ShareLink.objects.filter(owner=claimed, campaign=campaign).count() == 1
    assert User.objects.filter(email_canonical="nour@exemple.test").count() == 1
