"""The campaign page's shared copy for anonymous visitors (core.pagecache's decorator on the
campaign view): what it holds, how it renews, when it is forgotten."""

import time
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import selectors
from essaim.campaigns.models import (
    Campaign,
)
from essaim.campaigns.services import pledge as pledge_services
from essaim.campaigns.tests.factories import (
    PledgeFactory,
)
from essaim.campaigns.views.campaigns import PUBLIC_CACHE_SECONDS
from essaim.core import pagecache, reportable

pytestmark = pytest.mark.django_db


def test_the_public_page_is_cached_for_anonymous_visitors_and_shares_well(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    first = client.get(campaign.get_absolute_url()).content.decode()
    assert 'property="og:image"' in first and 'name="twitter:card"' in first
    assert 'data-testid="signature-count">0<' in first
    pledge_services.pledge_sign(user=UserFactory.create(), pledge=pledge)
    # Within the cache's few seconds, anonymous visitors may see the old count...
    assert (
        'data-testid="signature-count">0<'
        in client.get(campaign.get_absolute_url()).content.decode()
    )
    # ...while a logged-in supporter sees the exact one.
    client.force_login(UserFactory.create())
    assert (
        'data-testid="signature-count">1<'
        in client.get(campaign.get_absolute_url()).content.decode()
    )
    image = client.get(reverse("campaigns:share_image", args=[campaign.slug]))
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_anonymous_visitors_share_one_page_that_holds_no_ones_token():
    pledge = PledgeFactory.create()
    url = pledge.campaign.get_absolute_url()
    first = Client(enforce_csrf_checks=True)
    first_page = first.get(url)
    pledge_services.pledge_sign(user=UserFactory.create(), pledge=pledge)
    second = Client(enforce_csrf_checks=True)
    second_page = second.get(url)
    # The same bytes for everyone for a few seconds (the new signature does not show yet)...
    assert second_page.content == first_page.content
    html = second_page.content.decode()
    assert 'data-testid="signature-count">0<' in html
    # ...holding no token, and setting no cookie: nothing of one visitor reaches another.
    assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
    assert "csrftoken" not in second_page.cookies and "csrftoken" not in first_page.cookies
    # A visitor's language switch needs no token: it only sets their own cookie.
    switched = second.post(reverse("set_language"), {"language": "en", "next": url})
    assert switched.status_code == 302 and switched.cookies["django_language"].value == "en"
    # Logged-in people, and visits with a share code, are never served the shared page.
    member = Client()
    member.force_login(UserFactory.create())
    assert 'data-testid="signature-count">1<' in member.get(url).content.decode()
    assert "csrfmiddlewaretoken" in Client().get(f"{url}?via=abc").content.decode()


def test_a_members_language_switch_still_needs_the_csrf_token():
    person = UserFactory.create(language="fr")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    refused = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    person.refresh_from_db()
    assert refused.status_code == 403 and person.language == "fr"
    token = client.get(reverse("campaigns:list")).cookies["csrftoken"].value
    switched = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token
    )
    person.refresh_from_db()
    assert switched.status_code == 302 and person.language == "en"


def test_a_stale_shared_page_is_served_while_one_visit_renews_it(client, monkeypatch):
    # The decorator's own tests (essaim/core/tests/test_pagecache.py) cover the claims; this
    # one checks the campaign page renews its content with it.
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    url = campaign.get_absolute_url()

    def signed_and_aged(seconds: float) -> None:
        # A new signature, a campaign edited (so the rendered content is new too), and the
        # page's clock moved on; each app server process's own copy expired.
        pledge_services.pledge_sign(user=UserFactory.create(), pledge=pledge)
        Campaign.objects.filter(pk=campaign.pk).update(updated_at=timezone.now())
        selectors.campaign_forget(campaign.slug)  # as the services that edit one do
        caches["process"].clear()
        monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: real_time() + seconds))

    real_time = time.time
    assert 'data-testid="signature-count">0<' in client.get(url).content.decode()
    signed_and_aged(PUBLIC_CACHE_SECONDS + 1)
    # The first visit past the copy's freshness renders afresh...
    assert 'data-testid="signature-count">1<' in client.get(url).content.decode()
    # ...and while another visit has claimed the renewal, visitors get the copy.
    signed_and_aged(2 * PUBLIC_CACHE_SECONDS + 2)
    assert caches["default"].add(f"{pagecache.page_key(url, language='fr')}:renewing", 1, 10)
    assert 'data-testid="signature-count">1<' in client.get(url).content.decode()


def test_a_campaign_hidden_by_the_moderators_is_not_served_from_the_shared_copy(
    client, monkeypatch
):
    pledge = PledgeFactory.create()
    url = pledge.campaign.get_absolute_url()
    assert client.get(url).status_code == 200
    reportable.of(pledge.campaign).set_state(pledge.campaign, "hidden", None)  # type: ignore[misc]
    caches["process"].clear()
    later = time.time() + PUBLIC_CACHE_SECONDS + 1
    monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: later))
    assert client.get(url).status_code == 404
    # The copy is gone: no later visit sees it, even before the renewal claim expires.
    assert client.get(url).status_code == 404
