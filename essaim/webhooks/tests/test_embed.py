"""The embeddable widget: framing by other sites, progress, the one-click button in the
site's own frames, the short sign-up form for anonymous visitors, caching."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.attribution import SESSION_KEY
from essaim.campaigns.models import Campaign, Signature
from essaim.campaigns.tests.factories import CampaignFactory, ChallengeFactory, FundraiserFactory
from essaim.core import reportable
from essaim.relay.models import LinkVisit
from essaim.relay.services import link_for
from essaim.webhooks.embed import EMBED_CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_only_the_embed_views_may_be_framed_by_other_sites(client, campaign):
    response = client.get(reverse("embed:widget", args=[campaign.slug]))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY
    assert "frame-ancestors *" in EMBED_CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in EMBED_CONTENT_SECURITY_POLICY
    for path in (campaign.get_absolute_url(), reverse("campaigns:list")):
        other = client.get(path)
        assert other["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in other["Content-Security-Policy"]
    missing = client.get(reverse("embed:widget", args=["nexiste-pas"]))
    assert missing.status_code == 404 and "X-Frame-Options" not in missing


@pytest.mark.django_db
def test_the_widget_shows_progress_and_sends_anonymous_visitors_through_the_link(client, campaign):
    FundraiserFactory.create(campaign=campaign)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    response = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code})
    body = response.content.decode()
    assert 'data-testid="widget-count">0<' in body
    assert 'data-testid="widget-raised"' in body
    assert f'href="{reverse("relay:go", args=[code])}#pledge" target="_blank"' in body
    assert 'data-testid="widget-sign"' not in body
    # A code of another campaign, or none, leads to the campaign itself.
    other_code = link_for(user=campaign.created_by, campaign=CampaignFactory.create()).code
    body = client.get(
        reverse("embed:widget", args=[campaign.slug]), {"via": other_code}
    ).content.decode()
    assert f'href="{campaign.get_absolute_url()}#pledge"' in body


@pytest.mark.django_db
def test_drafts_do_not_show_in_the_widget(client):
    draft = CampaignFactory.create(status=Campaign.Status.DRAFT)
    assert client.get(reverse("embed:widget", args=[draft.slug])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fetch_site", "in_place"),
    [
        ("same-origin", True),
        ("none", True),
        ("cross-site", False),
        ("same-site", False),  # another subdomain: it gets the cookies, not the button
        (None, False),
    ],
)
def test_the_one_click_button_only_shows_in_this_sites_own_frames(
    client, campaign, fetch_site, in_place
):
    client.force_login(UserFactory.create())
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    page = client.get(reverse("embed:widget", args=[campaign.slug]), headers=headers)
    body = page.content.decode()
    assert ('data-testid="widget-sign"' in body) is in_place
    assert ("csrfmiddlewaretoken" in body) is in_place
    assert 'data-testid="widget-join"' not in body  # logged in: no sign-up form
    assert "private" in page["Cache-Control"] and "public" not in page["Cache-Control"]


@pytest.mark.django_db
def test_signing_in_place_takes_the_token_of_a_page_with_the_button(campaign):
    """The POST comes from the widget's own frame, always same-origin: what guards it is the
    CSRF token, which only a page rendered with the button carries."""
    client = Client(enforce_csrf_checks=True)
    supporter = UserFactory.create()
    client.force_login(supporter)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    sign = reverse("embed:sign", args=[campaign.slug])
    refused = client.post(sign, {"via": code}, headers={"Sec-Fetch-Site": "same-origin"})
    assert refused.status_code == 403 and not Signature.objects.exists()
    page = client.get(
        reverse("embed:widget", args=[campaign.slug]),
        {"via": code},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    response = client.post(
        sign,
        {"via": code, "csrfmiddlewaretoken": token.group(1)},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 200 and "X-Frame-Options" not in response
    signature = Signature.objects.get(user=supporter)
    # Credited to the organiser whose snippet brought the signer.
    assert signature.host is not None and signature.host.user == campaign.created_by
    assert 'data-testid="widget-signed"' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_get_the_short_form_to_sign_up_in_a_new_tab(client):
    # A campaign with no pledge to sign in the frame (a challenge's): the sign-up form.
    campaign = ChallengeFactory.create().campaign
    code = link_for(user=campaign.created_by, campaign=campaign).code
    page = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code})
    body = page.content.decode()
    form = re.search(r'<form [^>]*data-testid="widget-join"[^>]*>.*?</form>', body, re.S)
    assert form is not None
    assert 'method="get"' in form.group(0) and 'target="_blank"' in form.group(0)
    assert f'action="{reverse("embed:join", args=[campaign.slug])}"' in form.group(0)
    assert f'name="via" value="{code}"' in form.group(0)
    assert 'type="email" name="email" required' in form.group(0)
    assert "csrfmiddlewaretoken" not in body and "X-CSRFToken" not in body


@pytest.mark.django_db
def test_the_short_form_opens_the_sign_up_page_credited_to_the_organiser(client, campaign):
    code = link_for(user=campaign.created_by, campaign=campaign).code
    response = client.get(
        reverse("embed:join", args=[campaign.slug]), {"via": code, "email": "lea@example.org"}
    )
    assert response.status_code == 302
    assert response["X-Frame-Options"] == "DENY"  # a page of its own, never framed
    back = campaign.get_absolute_url() + "#pledge"
    assert response["Location"] == reverse("account_signup") + "?" + urlencode(
        {"next": back, "email": "lea@example.org"}
    )
    # The visit is counted and the organiser remembered, as through their share link.
    assert LinkVisit.objects.filter(link__code=code).count() == 1
    assert client.session[SESSION_KEY][str(campaign.pk)]["code"] == code
    signup = client.get(response["Location"]).content.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*value="lea@example.org"', signup) or re.search(
        r'<input[^>]*value="lea@example.org"[^>]*name="email"', signup
    )
    # Someone who turns out to be logged in goes straight to the campaign.
    client.force_login(UserFactory.create())
    again = client.get(reverse("embed:join", args=[campaign.slug]), {"via": code, "email": "x"})
    assert again["Location"] == back
    missing = client.get(reverse("embed:join", args=["nexiste-pas"]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_the_anonymous_widget_is_rendered_once_and_cacheable(
    client, campaign, django_assert_max_num_queries
):
    FundraiserFactory.create(campaign=campaign)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    url = reverse("embed:widget", args=[campaign.slug])
    first = client.get(url, {"via": code})
    with django_assert_max_num_queries(1):  # whether the campaign may still be shown
        again = client.get(url, {"via": code})
    assert again.content == first.content
    directives = {part.strip() for part in again["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=30"}
    assert "HX-Request" in again["Vary"]
    assert again["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY
    # Another share code, or another language, is another rendering.
    other = client.get(url)
    assert f'name="via" value="{code}"' not in other.content.decode()
    english = client.get(url, {"via": code}, headers={"Accept-Language": "en"})
    assert english.content != first.content
    # A campaign no longer shown is not served from the cache.
    reportable.of(campaign).set_state(campaign, "hidden", None)  # type: ignore[misc]
    assert client.get(url, {"via": code}).status_code == 404


@pytest.mark.django_db
def test_signing_in_place_with_htmx_returns_the_widget_fragment(client, campaign):
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("embed:sign", args=[campaign.slug]),
        {"via": ""},
        headers={"HX-Request": "true", "Sec-Fetch-Site": "same-origin"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="widget"') and "<html" not in body
    assert 'data-testid="widget-count">1<' in body
