"""Campaigns in a real browser: a supporter's one-click actions, and an organiser's work."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, CampaignHost, Donation, Event, EventResult, Rsvp
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from tests.browser.conftest import LogIn, NewPage
from tests.browser.test_journey import sign_up_and_verify


def _full_campaign() -> tuple[Campaign, Event]:
    campaign = CampaignFactory.create(title="Défi zéro déchet", slug="defi-zero-dechet")
    PledgeFactory.create(campaign=campaign, text="Je réduis mes déchets.")
    challenge = ChallengeFactory.create(campaign=campaign)
    challenge.days.create(
        date=timezone.localdate(), prompt="Refusez un emballage", tip="Dites non merci"
    )
    FundraiserFactory.create(campaign=campaign, goal_amount=1_000_00)
    event = EventFactory.create(campaign=campaign, capacity=1, title="Ramassage du canal")
    rsvp_create(user=UserFactory.create(), event=event)
    return campaign, event


def test_a_visitor_signs_up_then_signs_joins_checks_in_waits_and_gives(page: Page) -> None:
    campaign, event = _full_campaign()
    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("sign-up-to-sign").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    sign_up_and_verify(page, "nour@exemple.test", "Nour Haddad")

    page.goto(campaign.get_absolute_url())
    page.evaluate("() => { window.__stayed = true }")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("signed")).to_be_visible()
    expect(page.get_by_test_id("signature-count")).to_have_text("1")
    page.get_by_test_id("join-challenge").click()
    page.get_by_test_id("check-in").click()
    expect(page.get_by_test_id("checked-today")).to_be_visible()
    expect(page.get_by_test_id("check-in-count")).to_have_text("1")
    assert page.evaluate("() => window.__stayed === true"), "htmx swapped the panels in place"

    page.goto(event.get_absolute_url())
    page.get_by_test_id("rsvp-button").click()
    expect(page.get_by_test_id("rsvp-status")).to_contain_text("liste d'attente")

    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("give").click()
    form = page.get_by_test_id("give-form")
    form.locator('input[name="amount"]').fill("20")
    form.locator('[type="submit"]').click()
    expect(page.get_by_test_id("raised")).to_contain_text("20")
    assert Donation.objects.get().amount == 20_00
    assert Rsvp.objects.get(user__email="nour@exemple.test").status == Rsvp.Status.WAITLISTED


def test_signing_without_javascript_posts_the_form(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    campaign, _event = _full_campaign()
    page = new_page(java_script_enabled=False)
    log_in(page, member)
    page.goto(campaign.get_absolute_url())
    page.get_by_test_id("pledge").locator('input[name="show_name"]').check()
    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(re.escape(campaign.get_absolute_url())))
    expect(page.get_by_test_id("signed")).to_be_visible()
    expect(page.get_by_test_id("pledge")).to_contain_text(member.display_name)


def test_an_organiser_creates_co_hosts_approves_checks_in_and_reports(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    organiser = new_page()
    log_in(organiser, member)
    organiser.goto(reverse("campaigns:create"))
    form = organiser.get_by_test_id("campaign-form")
    form.locator('input[name="title"]').fill("Ramassages au bord du canal")
    form.locator('input[name="summary"]').fill("Des marches de ramassage chaque mois.")
    form.locator('select[name="category"]').select_option("environment")
    form.locator('[type="submit"]').click()
    expect(organiser.get_by_test_id("status")).to_be_visible()
    setup = organiser.get_by_test_id("setup-pledge")
    setup.locator('textarea[name="text"]').fill("Je soutiens les ramassages.")
    setup.locator('[type="submit"]').click()
    organiser.get_by_test_id("publish").click()
    campaign = Campaign.objects.get(title="Ramassages au bord du canal")
    assert campaign.status == Campaign.Status.LIVE

    cohost = UserFactory.create(display_name="Théo Vélo")
    invite = organiser.get_by_test_id("invite-form")
    invite.locator('input[name="handle"]').fill(cohost.handle)
    invite.locator('[type="submit"]').click()
    expect(organiser.get_by_test_id("hosts")).to_contain_text("Théo Vélo")
    CampaignHost.objects.filter(user=cohost).update(status=CampaignHost.Status.ACCEPTED)

    volunteer = UserFactory.create()
    start = timezone.now() + timedelta(days=4)
    proposed = EventFactory.create(
        campaign=campaign,
        title="Ramassage à Pantin",
        status=Event.Status.PROPOSED,
        proposed_by=volunteer,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    organiser.reload()
    organiser.get_by_test_id("proposed-events").get_by_role(
        "button", name=re.compile("Valider")
    ).click()
    proposed.refresh_from_db()
    assert proposed.status == Event.Status.APPROVED

    # A walk that has just taken place: check an attendee in from the list, report results.
    past = EventFactory.create(campaign=campaign, title="Ramassage du mois dernier")
    attendee = UserFactory.create(display_name="Awa Diallo")
    rsvp_create(user=attendee, event=past)
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    organiser.goto(past.get_absolute_url())
    organiser.get_by_test_id("attendees").get_by_role("button").click()
    expect(organiser.get_by_test_id("attendees")).to_contain_text("✓")
    results = organiser.get_by_test_id("results-form")
    results.locator('input[name="measure"]').fill("déchets ramassés")
    results.locator('input[name="unit"]').fill("kg")
    results.locator('input[name="quantity"]').fill("37.5")
    results.locator('[type="submit"]').click()
    expect(organiser.get_by_test_id("results")).to_contain_text("kg")
    assert EventResult.objects.get().quantity == 37.5

    organiser.goto(campaign.get_absolute_url())
    expect(organiser.get_by_test_id("impact")).to_contain_text("37,50 kg")
    expect(organiser.get_by_test_id("signature-count")).to_have_text("0")
    organiser.get_by_test_id("sign").click()
    expect(organiser.get_by_test_id("signature-count")).to_have_text("1")
