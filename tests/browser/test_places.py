"""Places in a real browser: the events near a postcode on the list and the map, a host placing
an event by its address, a listing showing only its commune, and the campaign's impact showing
where its results came from."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.campaigns.models import Event, EventResult
from essaim.campaigns.tests.factories import CampaignFactory, EventFactory
from essaim.core.communes import communes_load
from tests.browser.conftest import LogIn, NewPage


@pytest.fixture
def communes(transactional_db: None) -> int:
    return communes_load(departments=("75", "69"))


def test_a_newcomer_types_a_postcode_and_sees_the_events_near_it(communes: int, page: Page) -> None:
    EventFactory.create(title="Ramassage du canal", latitude=48.8600, longitude=2.3800)
    EventFactory.create(title="Ramassage des berges", latitude=48.8700, longitude=2.3650)
    EventFactory.create(title="Ramassage du Rhône", latitude=45.7580, longitude=4.8420)
    page.goto(reverse("campaigns:events_near"))
    form = page.get_by_test_id("near-form")
    form.locator('input[name="near"]').fill("75011")
    form.locator('[type="submit"]').click()
    rows = page.get_by_test_id("event-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ramassage du canal")
    expect(page.get_by_test_id("events-near")).not_to_contain_text("Rhône")
    # The map draws both markers (clustered or not) on its plain background: no tile server.
    map_element = page.locator(".place-map.place-map-ready")
    expect(map_element).to_have_attribute("data-marker-count", "2")
    expect(map_element.locator(".leaflet-interactive, .marker-cluster").first).to_be_visible()
    expect(map_element.locator(".leaflet-tile")).to_have_count(0)


def test_the_list_works_without_javascript(communes: int, new_page: NewPage) -> None:
    EventFactory.create(title="Ramassage du canal", latitude=48.8600, longitude=2.3800)
    page = new_page(java_script_enabled=False)
    page.goto(reverse("campaigns:events_near") + "?near=Paris+11e&radius=5")
    expect(page.get_by_test_id("event-row")).to_contain_text("Ramassage du canal")
    # Bad input is a clear error in the form, in the reader's language.
    page.goto(reverse("campaigns:events_near") + "?near=99999")
    expect(page.get_by_test_id("near-form")).to_contain_text(
        re.compile(r"Nous ne connaissons pas le lieu «\s99999\s»")
    )
    page.goto(reverse("campaigns:events_near") + "?near=75011&radius=10000")
    expect(page.get_by_test_id("near-form")).to_contain_text("200 km au plus")


def test_a_host_places_an_event_by_typing_its_address(
    communes: int, page: Page, member: User, log_in: LogIn
) -> None:
    campaign = CampaignFactory.create(created_by=member)
    log_in(page, member)
    page.goto(reverse("campaigns:event_create", kwargs={"slug": campaign.slug}))
    form = page.get_by_test_id("event-form")
    starts = timezone.localtime() + timedelta(days=5)
    form.locator('input[name="title"]').fill("Ramassage place Léon-Blum")
    form.locator('input[name="address"]').fill("12 place Léon-Blum")
    form.locator('input[name="postcode"]').fill("75011")
    form.locator('input[name="city"]').fill("Paris")
    form.locator('input[name="starts_at"]').fill(starts.strftime("%Y-%m-%dT10:00"))
    form.locator('input[name="ends_at"]').fill(starts.strftime("%Y-%m-%dT12:00"))
    form.locator('input[name="capacity"]').fill("20")
    form.locator('[type="submit"]').click()
    event = Event.objects.get(title="Ramassage place Léon-Blum")
    expect(page).to_have_url(f"{page.url.split('/campaigns/')[0]}{event.get_absolute_url()}")
    assert (event.postcode, event.latitude, event.longitude) == ("75011", 48.858501, 2.379521)
    page.goto(reverse("campaigns:events_near") + "?near=75011")
    expect(page.get_by_test_id("event-row")).to_contain_text("Ramassage place Léon-Blum")


def test_a_listing_shows_only_its_commune(
    communes: int, page: Page, member: User, log_in: LogIn
) -> None:
    log_in(page, member)
    page.goto(reverse("aid:create") + "?kind=offer")
    page.locator('input[name="title"]').fill("Poussette à donner")
    page.locator('input[name="place"]').fill("14 rue Oberkampf, 75011 Paris")
    page.locator('form [type="submit"]').last.click()
    listing = AidListing.objects.get(title="Poussette à donner")
    expect(page).to_have_url(f"{page.url.split('/aid/')[0]}{listing.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("Paris 11e Arrondissement")
    expect(page.locator("main")).not_to_contain_text("Oberkampf")


def test_the_impact_page_maps_where_the_results_came_from(
    page: Page, member: User, log_in: LogIn
) -> None:
    campaign = CampaignFactory.create(created_by=member)
    past = timezone.now() - timedelta(days=5)
    for title, city, latitude, longitude, kilograms in [
        ("Ramassage du canal", "Paris", 48.8600, 2.3800, 42),
        ("Berges du Rhône", "Lyon", 45.7500, 4.8400, 8),
    ]:
        event = EventFactory.create(
            campaign=campaign,
            title=title,
            city=city,
            latitude=latitude,
            longitude=longitude,
            starts_at=past,
            ends_at=past + timedelta(hours=2),
        )
        EventResult.objects.create(event=event, measure="litter", unit="kg", quantity=kilograms)
    EventFactory.create(campaign=campaign, title="Sans résultat", latitude=48.85, longitude=2.35)
    log_in(page, member)
    page.goto(reverse("relay:dashboard", kwargs={"slug": campaign.slug}))
    section = page.get_by_test_id("results-by-place")
    # The table is the page's content (it is all there is without JavaScript)...
    rows = section.get_by_test_id("result-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("litter: 42 kg")
    expect(section).not_to_contain_text("Sans résultat")
    # ...and the map draws the same two places, clustered or not, with no tile server.
    map_element = section.locator(".place-map.place-map-ready")
    expect(map_element).to_have_attribute("data-marker-count", "2")
    expect(map_element.locator(".leaflet-interactive, .marker-cluster").first).to_be_visible()
