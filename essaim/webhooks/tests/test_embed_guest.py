"""Signing in the frame without an account: the one-step guest form, with and without
htmx, once per address, under the guest write limits."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, Campaign, GuestAction, Signature
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core.models import OutboxMessage
from essaim.relay.services import link_for
from essaim.webhooks.embed import EMBED_CONTENT_SECURITY_POLICY


def _guest_post(client, campaign, htmx=False, **overrides):
    data = {
        "name": "Nour Haddad",
        "email": "nour.haddad@exemple.test",
        "consent": "on",
        "started": started_token(),
        **overrides,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("embed:guest_sign", args=[campaign.slug]), data, headers=headers)


def _framable(response):
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY


@pytest.fixture
def no_minimum_time(settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0


@pytest.mark.django_db
def test_the_anonymous_widget_offers_the_one_step_guest_form_in_the_frame(client, campaign):
    code = link_for(user=campaign.created_by, campaign=campaign).code
    body = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code}).content
    form = re.search(
        r'<form [^>]*data-testid="widget-guest-form"[^>]*>.*?</form>', body.decode(), re.S
    )
    assert form is not None
    action = reverse("embed:guest_sign", args=[campaign.slug])
    assert f'action="{action}"' in form.group(0) and f'hx-post="{action}"' in form.group(0)
    # Posted in the frame itself (no new tab): the answer is the widget again.
    assert 'hx-target="#widget"' in form.group(0) and 'target="_blank"' not in form.group(0)
    assert f'name="via" value="{code}"' in form.group(0)
    assert 'name="website"' in form.group(0) and 'name="started"' in form.group(0)
    assert "csrfmiddlewaretoken" not in body.decode()


@pytest.mark.django_db
def test_a_stranger_signs_in_the_frame_without_javascript_once_per_address(
    client, campaign, no_minimum_time
):
    code = link_for(user=campaign.created_by, campaign=campaign).code
    first = _guest_post(client, campaign, via=code)
    again = _guest_post(client, campaign, via=code, email="Nour.Haddad+x@exemple.test")
    for response in (first, again):
        assert response.status_code == 200
        _framable(response)
        body = response.content.decode()
        assert 'data-testid="widget-guest-pending"' in body and "<html" in body
        assert "exemple.test" not in body
    action = GuestAction.objects.get()
    assert (action.kind, action.via, action.confirmed_at) == ("sign", code, None)
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_htmx_swaps_the_widget_for_its_pending_state_or_the_form_with_what_to_fix(
    client, campaign, no_minimum_time
):
    refused = _guest_post(client, campaign, htmx=True, email="quelquun@mailinator.com")
    assert refused.status_code == 400
    _framable(refused)
    body = refused.content.decode()
    assert body.lstrip().startswith('<section id="widget"') and "<html" not in body
    assert 'data-testid="widget-guest-form"' in body and "mailinator.com" in body
    assert not GuestAction.objects.exists() and not OutboxMessage.objects.exists()
    bot = _guest_post(client, campaign, htmx=True, website="https://spam.example")
    assert bot.status_code == 400 and not GuestAction.objects.exists()
    accepted = _guest_post(client, campaign, htmx=True)
    assert accepted.status_code == 200
    assert 'data-testid="widget-guest-pending"' in accepted.content.decode()
    assert GuestAction.objects.count() == 1


@pytest.mark.django_db
def test_the_frames_guest_form_counts_against_the_guest_write_limits(
    client, settings, no_minimum_time
):
    settings.RATE_LIMITS = {"guest-email": [(1, 3600)]}
    first, second = PledgeFactory.create().campaign, PledgeFactory.create().campaign
    assert _guest_post(client, first).status_code == 200
    refused = _guest_post(client, second)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert GuestAction.objects.count() == 1


@pytest.mark.django_db
def test_a_closed_campaign_takes_no_signature_from_the_frame(client, no_minimum_time):
    campaign = PledgeFactory.create(campaign__status=Campaign.Status.CLOSED).campaign
    response = _guest_post(client, campaign)
    assert response.status_code == 400
    _framable(response)
    with translation.override("fr"):
        refusal = escape(translation.gettext("This campaign is not open for action."))
    assert refusal in response.content.decode()
    assert not GuestAction.objects.exists() and not OutboxMessage.objects.exists()
