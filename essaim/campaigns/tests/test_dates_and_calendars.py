"""Dates no one means refused at every door, and the calendars' folded lines."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essaim.campaigns.services import campaigns as campaign_services
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
)
from essaim.core.errors import ValidationError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("section", "fields"),
    [
        ("campaign", {"starts_on": "0001-01-01"}),
        ("campaign", {"ends_on": "9999-12-31"}),
        ("challenge", {"starts_on": "0001-01-01"}),
    ],
)
def test_the_manage_form_refuses_dates_no_one_means(client, section, fields):
    campaign = ChallengeFactory.create().campaign
    assert campaign.status == "live"
    client.force_login(campaign.created_by)
    today = timezone.localdate()
    data = {
        "campaign": {
            "section": "campaign",
            "title": campaign.title,
            "summary": campaign.summary,
            "category": campaign.category,
            "body": campaign.body,
        },
        "challenge": {"section": "challenge", "ends_on": today + timedelta(days=3)},
    }[section]
    response = client.post(reverse("campaigns:manage", args=[campaign.slug]), {**data, **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert "within 10 years of today" in html or "dans les 10 ans" in html
    campaign.refresh_from_db()
    challenge = campaign.challenge
    assert campaign.starts_on is None and campaign.ends_on is None
    assert challenge.starts_on == today - timedelta(days=5)


def test_services_refuse_the_same_dates_whatever_the_door():
    campaign = CampaignFactory.create()
    with pytest.raises(ValidationError):
        campaign_services.campaign_update(
            actor=campaign.created_by,
            campaign=campaign,
            title=campaign.title,
            summary=campaign.summary,
            category=campaign.category,
            body=campaign.body,
            starts_on=date(1, 1, 1),
            ends_on=None,
        )
    campaign.refresh_from_db()
    assert campaign.starts_on is None


def test_calendar_lines_are_folded_at_75_octets(client):
    event = EventFactory.create(
        title="Grand ramassage des déchets sur les berges du Rhône " * 2,
        description="Apportez des gants, des sacs et de l'eau. " * 10,
    )
    for url in (
        reverse("campaigns:event_ical", args=[event.campaign.slug, event.pk]),
        reverse("campaigns:ical", args=[event.campaign.slug]),
    ):
        body = client.get(url).content
        lines = body.split(b"\r\n")
        assert lines[-1] == b""
        assert all(len(line) <= 75 for line in lines), url
        for line in lines:
            line.decode("utf-8")
        unfolded = body.decode().replace("\r\n ", "")
        assert "SUMMARY:" + event.title.replace(",", "\\,") in unfolded.splitlines()
