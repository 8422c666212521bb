"""The embeddable widget in a real browser, inside an iframe on a page served from another
origin (a small HTTP server on 127.0.0.1, while the site runs on localhost): it shows the
campaign's progress, and a visitor acts through it, credited to the organiser whose snippet
it is; a visitor without an account signs in the frame in one step and confirms by e-mail. On the
site itself (the organiser's preview) the button signs in place, in one click."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.models import User
from essaim.campaigns.models import Signature
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core.tests.loopback import Answer, loopback
from tests.browser.conftest import LogIn, NewPage, mail_link
from tests.browser.test_webhooks import verified_person

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>Le blog de l'association</title></head>
<body><h1>Notre combat pour les fontaines</h1>
<p>Soutenez la campagne :</p>
{snippet}
</body></html>"""


@contextmanager
def another_site(snippet: str) -> Iterator[str]:
    """A page of someone else's website, with the organiser's snippet pasted into it."""
    page = Answer(200, "text/html; charset=utf-8", PAGE.format(snippet=snippet).encode())
    with loopback(lambda request: page) as site:
        yield site.url("/")


def test_the_widget_on_another_site_shows_progress_and_brings_a_signature(
    new_page: NewPage, member: User, log_in: LogIn, live_server: LiveServer, settings: Any
) -> None:
    # The snippet carries the instance's public address (SITE_URL): here, the live server's.
    settings.SITE_URL = live_server.url
    # The minimum-time check is the form's own test's business (essaim/campaigns/tests).
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0
    cache.clear()
    campaign = CampaignFactory.create(
        title="Des fontaines dans les parcs", slug="fontaines", created_by=member
    )
    PledgeFactory.create(
        campaign=campaign, text="Je demande une fontaine par parc.", goal_ladder="10"
    )

    # The organiser copies the snippet; in the preview (this site) they sign in one click.
    host = new_page()
    log_in(host, member)
    host.goto(campaign.get_absolute_url())
    host.get_by_test_id("widget-link").click()
    snippet = host.get_by_test_id("snippet").input_value()
    assert re.search(r'<iframe src="http://localhost:\d+/embed/fontaines/\?via=[\w-]+"', snippet)
    preview = host.frame_locator('[data-testid="preview"]')
    expect(preview.get_by_test_id("widget-count")).to_have_text("0")
    preview.get_by_test_id("widget-sign").click()
    expect(preview.get_by_test_id("widget-signed")).to_be_visible()
    expect(preview.get_by_test_id("widget-count")).to_have_text("1")

    # A supporter logged in on Essaim reads the association's blog, on another origin.
    supporter = verified_person("Léa Passante")
    with another_site(snippet) as url:
        visitor = new_page()
        log_in(visitor, supporter)
        visitor.goto(url)
        frame = visitor.frame_locator("iframe")
        expect(frame.get_by_test_id("widget-count")).to_have_text("1")
        expect(frame.get_by_test_id("widget-progress")).to_have_attribute("value", "10")
        # Another site's frame gets no session: no in-place button, a link to the campaign.
        expect(frame.get_by_test_id("widget-sign")).to_have_count(0)
        with visitor.expect_popup() as opened:
            frame.get_by_test_id("widget-open").click()
        campaign_tab = opened.value
        expect(campaign_tab).to_have_url(re.compile(r"/campaigns/fontaines/#pledge$"))
        campaign_tab.get_by_test_id("sign").click()
        expect(campaign_tab.get_by_test_id("signed")).to_be_visible()

        signature = Signature.objects.get(user=supporter)
        assert signature.host is not None and signature.host.user == member
        # The anonymous widget is cached for half a minute (on the server, then in browsers):
        # once that has passed (the server's copy cleared here), a new reader sees the count.
        cache.clear()
        reader = new_page()
        reader.goto(url)
        expect(reader.frame_locator("iframe").get_by_test_id("widget-count")).to_have_text("2")

        # A reader without an account signs in the frame itself, in one step (htmx inside
        # the widget): pending until the e-mail's page is pressed, then counted, credited to
        # the organiser whose snippet it is.
        mail.outbox.clear()
        frame = reader.frame_locator("iframe")
        form = frame.get_by_test_id("widget-guest-form")
        form.locator('input[name="name"]').fill("Nouvelle Lectrice")
        form.locator('input[name="email"]').fill("nouvelle@example.org")
        form.locator('input[name="consent"]').check()
        frame.get_by_test_id("widget-guest").click()
        expect(frame.get_by_test_id("widget-guest-pending")).to_be_visible()
        assert not Signature.objects.filter(user__email="nouvelle@example.org").exists()
        reader.goto(mail_link("nouvelle@example.org", "confirm"))
        reader.get_by_test_id("guest-confirm").click()
        expect(reader.get_by_test_id("guest-confirmed")).to_be_visible()
        guest_signature = Signature.objects.get(user__email="nouvelle@example.org")
        assert guest_signature.host is not None and guest_signature.host.user == member
