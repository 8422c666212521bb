"""QR codes in a real browser: the attendee's ticket and a share link's code are images the
browser draws (an SVG without its namespace shows as a broken image)."""

from datetime import timedelta
from pathlib import Path

import segno
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Event
from essaim.campaigns.services.events import attendance_token, rsvp_create
from essaim.campaigns.tests.factories import CampaignFactory, EventFactory
from essaim.core.site import absolute_url
from essaim.relay.services import link_for
from tests.browser.conftest import LogIn

NATURAL_WIDTH = "image => image.complete ? image.naturalWidth : -1"


def test_the_ticket_and_the_share_code_render_as_images(
    page: Page, member: User, log_in: LogIn
) -> None:
    event = EventFactory.create()
    rsvp_create(user=member, event=event)
    log_in(page, member)
    page.goto(event.get_absolute_url())
    ticket = page.get_by_test_id("ticket")
    expect(ticket).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-testid=ticket]').complete")
    assert ticket.evaluate(NATURAL_WIDTH) > 0

    code = link_for(user=member, campaign=event.campaign).code
    width = page.evaluate(
        """url => new Promise(resolve => {
            const image = new Image();
            image.onload = () => resolve(image.naturalWidth);
            image.onerror = () => resolve(0);
            image.src = url;
        })""",
        reverse("relay:qr", args=[code]),
    )
    assert width > 0


def test_a_host_scans_a_ticket_and_the_attendee_is_checked_in(
    page: Page, member: User, log_in: LogIn, tmp_path: Path
) -> None:
    campaign = CampaignFactory.create(created_by=member)
    event = EventFactory.create(campaign=campaign)
    attendee = UserFactory.create(display_name="Awa Diallo")
    rsvp = rsvp_create(user=attendee, event=event)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )
    # The photo of the attendee's ticket: the same code their ticket page draws.
    ticket_url = absolute_url(f"{event.get_absolute_url()}?ticket={attendance_token(rsvp)}")
    photo = tmp_path / "ticket.png"
    segno.make(ticket_url, error="m").save(str(photo), scale=8, border=4)

    log_in(page, member)
    page.goto(event.get_absolute_url())
    expect(page.get_by_test_id("scanner")).to_be_visible()
    page.get_by_test_id("scan-photo").set_input_files(photo)
    expect(page.get_by_test_id("attendees")).to_contain_text("✓")
    rsvp.refresh_from_db()
    assert rsvp.attended_at is not None
