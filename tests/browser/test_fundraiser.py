"""A fundraiser's progress in a real browser: money and in-kind, with the split visible."""

from playwright.sync_api import Page, expect

from essaim.campaigns.models import InKindPledge
from essaim.campaigns.tests.factories import FundraiserFactory


def test_the_goal_counts_money_and_goods_delivered_and_shows_the_split(page: Page) -> None:
    fundraiser = FundraiserFactory.create(goal_amount=1_000_00)
    for value, status in [
        (300_00, InKindPledge.Status.DELIVERED),
        (200_00, InKindPledge.Status.PROMISED),
    ]:
        InKindPledge.objects.create(
            fundraiser=fundraiser,
            partner="Laine & Co",
            item="Couvertures",
            quantity=10,
            unit="pièces",
            declared_value=value,
            status=status,
        )
    page.goto(fundraiser.campaign.get_absolute_url())
    expect(page.get_by_test_id("raised")).to_have_text("300 €")
    expect(page.get_by_test_id("raised-money")).to_have_text("0 € donnés en 0 don")
    expect(page.get_by_test_id("raised-in-kind")).to_have_text("+ 300 € en nature, livrés")
    expect(page.get_by_test_id("in-kind-promised")).to_have_text(
        "200 € en nature promis, comptés une fois livrés"
    )
    expect(page.get_by_test_id("fundraiser").locator("progress")).to_have_attribute("value", "30")
