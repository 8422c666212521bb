"""In-kind pledges toward a fundraiser's goal: money and goods delivered count, goods promised
are shown apart until delivered, and the split is visible on the page, the ledger, the widget
and in the API."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import selectors
from essaim.campaigns.models import Fundraiser, InKindPledge
from essaim.campaigns.services import fundraising
from essaim.campaigns.tests.factories import FundraiserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fundraiser() -> Fundraiser:
    """500 € given by two people, 300 € of blankets delivered, 200 € of tents promised, a
    cancelled pledge that counts for nothing."""
    fundraiser = FundraiserFactory.create(goal_amount=1_000_00)
    host = fundraiser.campaign.created_by
    for amount in (200_00, 300_00):
        fundraising.donation_give(
            user=UserFactory.create(),
            fundraiser=fundraiser,
            amount=amount,
            idempotency_key=uuid.uuid4(),
        )
    pledges = [
        fundraising.in_kind_create(
            actor=host,
            fundraiser=fundraiser,
            partner=partner,
            item=item,
            quantity=10,
            unit="pièces",
            declared_value=value,
        )
        for partner, item, value in [
            ("Laine & Co", "Couvertures", 300_00),
            ("Outdoor Solidaire", "Tentes", 200_00),
            ("Annulé SA", "Rien", 900_00),
        ]
    ]
    fundraising.in_kind_deliver(actor=host, pledge=pledges[0])
    InKindPledge.objects.filter(pk=pledges[2].pk).update(status=InKindPledge.Status.CANCELLED)
    return fundraiser


def test_money_and_delivered_goods_count_toward_the_goal(fundraiser: Fundraiser) -> None:
    totals = selectors.fundraiser_totals(fundraiser)
    assert totals == {
        "donations": 500_00,
        "donors": 2,
        "in_kind": 300_00,
        "in_kind_promised": 200_00,
        "partners": 2,
        "total": 800_00,
        "goal": 1_000_00,
        "percent": 80,
    }


def test_the_page_ledger_and_widget_show_the_split(fundraiser: Fundraiser) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    campaign = fundraiser.campaign
    pages = [
        campaign.get_absolute_url(),
        reverse("campaigns:ledger", args=[campaign.slug]),
        reverse("embed:widget", args=[campaign.slug]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert ">800 €" in html, url  # toward the goal: 500 € + 300 €
        for part in (
            'data-testid="raised-money">500 € given in 2 gifts<',
            'data-testid="raised-in-kind">+ 300 € in kind, delivered<',
            'data-testid="in-kind-promised">200 € in kind promised, counted once delivered<',
        ):
            assert part in html, (url, part)


def test_the_api_gives_the_split(fundraiser: Fundraiser) -> None:
    body = Client().get(f"/api/v1/campaigns/{fundraiser.campaign.slug}/fundraiser").json()
    assert (
        body["donations"],
        body["in_kind"],
        body["in_kind_promised"],
        body["partners"],
        body["total"],
        body["percent"],
    ) == (500_00, 300_00, 200_00, 2, 800_00, 80)
