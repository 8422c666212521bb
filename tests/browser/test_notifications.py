"""E-mail digests and one-click unsubscribe, in a real browser: the live server runs in this
process, so the digest lands in Django's test outbox (locmem)."""

import re
from datetime import datetime, timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.models import User
from essaim.notifications import scheduling, services
from essaim.notifications.models import Notification
from tests.browser.conftest import LogIn, NewPage


def test_a_daily_digest_then_unsubscribing_from_the_emails_link(
    new_page: NewPage, member: User, log_in: LogIn, live_server: LiveServer, settings
) -> None:
    settings.SITE_URL = live_server.url  # the e-mail's links point at this server
    page = new_page()
    log_in(page, member)

    # From the notifications, the supporter opens the preferences and wants the aid board's
    # matches in a daily digest.
    page.goto(reverse("notifications:list"))
    page.get_by_test_id("email-preferences").click()
    row = page.get_by_test_id("preference-aid_match")
    expect(row.locator('input[value="immediately"]')).to_be_checked()
    row.locator('input[value="daily"]').check()
    page.get_by_test_id("preferences-form").locator('[type="submit"]').click()
    expect(
        page.get_by_test_id("preference-aid_match").locator('input[value="daily"]')
    ).to_be_checked()

    # Yesterday, two requests matched their offers; today, a third (tomorrow's digest).
    today = timezone.localdate()
    yesterday_noon = timezone.make_aware(datetime.combine(today, datetime.min.time())) - timedelta(
        hours=12
    )
    for number, title in enumerate(["Cherche vélo enfant", "Cherche poussette"]):
        told = services.notify(
            user=member,
            kind=Notification.Kind.AID_MATCH,
            key=f"aid-match:{number}",
            params={"offer": "Vélo et poussette à donner", "request": title},
            url=reverse("aid:list"),
        )
        assert told is not None and told.delivery is None  # no e-mail at once
        Notification.objects.filter(pk=told.pk).update(created_at=yesterday_noon)
    services.notify(
        user=member,
        kind=Notification.Kind.AID_MATCH,
        key="aid-match:today",
        params={"offer": "Vélo et poussette à donner", "request": "Cherche trottinette"},
    )
    assert mail.outbox == []

    # The minute's tick after 07:00 queues yesterday's digest; the task runs (inline here).
    eight = timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=8)
    scheduling.tick(eight)
    digests = [m for m in mail.outbox if member.email in m.to]
    assert len(digests) == 1
    body = str(digests[0].body)
    assert "Cherche vélo enfant" in body and "Cherche poussette" in body
    assert "Cherche trottinette" not in body
    header = digests[0].extra_headers["List-Unsubscribe"]
    assert digests[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The one-click link of the e-mail, opened in a browser that is not logged in.
    links = re.findall(r"https?://\S+/notifications/unsubscribe/\S+/", body)
    assert header.strip("<>") in links
    visitor = new_page()
    visitor.goto(links[-1])
    visitor.get_by_test_id("unsubscribe-form").locator('[type="submit"]').click()
    expect(visitor.get_by_test_id("unsubscribe-done")).to_be_visible()
    expect(visitor.get_by_test_id("unsubscribed-kind")).to_have_count(1)

    # Back in their preferences, the kind is off.
    page.goto(reverse("notifications:preferences"))
    expect(
        page.get_by_test_id("preference-aid_match").locator('input[value="off"]')
    ).to_be_checked()
    expect(
        page.get_by_test_id("preference-relay_milestone").locator('input[value="daily"]')
    ).to_be_checked()
