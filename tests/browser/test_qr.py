"""QR codes in a real browser: the attendee's ticket and a share link's code are images the
browser draws (an SVG without its namespace shows as a broken image)."""

from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.tests.factories import EventFactory
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
