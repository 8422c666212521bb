"""A stranger answers a full event without an account, confirms through the e-mail's page,
waits on the waiting list and is promoted by e-mail: its link opens their ticket."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from essaim.accounts.models import User
from essaim.campaigns.models import Rsvp
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.tests.factories import CampaignFactory, EventFactory
from tests.browser.conftest import LogIn, NewPage, mail_link

ADDRESS = "nour@exemple.test"


@pytest.fixture(autouse=True)
def _settings(settings):
    # The minimum-time check is the form's own test's business (essaim/campaigns/tests).
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0


def test_a_guest_rsvps_to_a_full_event_and_is_promoted_from_the_waiting_list_by_email(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    mail.outbox.clear()
    campaign = CampaignFactory.create(title="Canal propre", slug="canal-propre")
    event = EventFactory.create(campaign=campaign, title="Ramassage du canal", capacity=1)
    rsvp_create(user=member, event=event)

    # The stranger answers in one step (htmx swaps the panel): pending, nothing taken.
    page = new_page()
    page.goto(event.get_absolute_url())
    form = page.get_by_test_id("guest-rsvp-form")
    form.locator('input[name="name"]').fill("Nour Haddad")
    form.locator('input[name="email"]').fill(ADDRESS)
    form.locator('input[name="consent"]').check()
    page.get_by_test_id("guest-rsvp").click()
    expect(page.get_by_test_id("guest-pending")).to_be_visible()
    assert not Rsvp.objects.filter(user__email=ADDRESS).exists()

    # The e-mail's page confirms with its button: the event is full, so the waiting list.
    page.goto(mail_link(ADDRESS, "confirm"))
    page.get_by_test_id("guest-confirm").click()
    expect(page.get_by_test_id("guest-rsvp-status")).to_contain_text("1")
    guest = User.objects.get(email=ADDRESS)
    assert guest.is_guest
    assert Rsvp.objects.get(user=guest).status == Rsvp.Status.WAITLISTED
    # Their ticket's link came by e-mail too: on the waiting list, it says their rank.
    waiting_page = new_page()
    waiting_page.goto(mail_link(ADDRESS, "ticket"))
    expect(waiting_page.get_by_test_id("guest-rsvp-status")).to_contain_text("1")
    expect(waiting_page.get_by_test_id("ticket")).to_have_count(0)
    mail.outbox.clear()

    # The account holder gives their place back from the event's page.
    host_page = new_page()
    log_in(host_page, member)
    host_page.goto(event.get_absolute_url())
    host_page.get_by_test_id("cancel").click()
    expect(host_page.get_by_test_id("rsvp-button")).to_be_visible()

    # The promotion's e-mail links to the guest's ticket, reached without an account.
    assert Rsvp.objects.get(user=guest).status == Rsvp.Status.CONFIRMED
    ticket_page = new_page()
    ticket_page.goto(mail_link(ADDRESS, "ticket"))
    expect(ticket_page.get_by_test_id("guest-ticket")).to_contain_text("Ramassage du canal")
    expect(ticket_page.get_by_test_id("ticket")).to_be_visible()
    assert ticket_page.get_by_test_id("ticket").evaluate("img => img.naturalWidth") > 0
