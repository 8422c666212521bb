"""Events near a place: the host types an address, the newcomer a postcode."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.campaigns import selectors
from essaim.campaigns.models import Campaign, Event
from essaim.campaigns.services.events import event_create
from essaim.campaigns.services.places import event_locate_online
from essaim.campaigns.tests.factories import CampaignFactory, EventFactory
from essaim.core.geocoding import GeocodedPlace
from essaim.core.models import Precision
from essaim.core.places import Point

pytestmark = pytest.mark.django_db

PARIS_11 = Point(48.858501, 2.379521)


def _at(latitude: float, longitude: float, **fields: object) -> Event:
    return EventFactory.create(latitude=latitude, longitude=longitude, **fields)


def test_a_host_places_an_event_by_typing_its_address(communes: int) -> None:
    campaign = CampaignFactory.create()
    start = timezone.now() + timedelta(days=2)
    event = event_create(
        actor=campaign.created_by,
        campaign=campaign,
        title="Ramassage",
        address="12 place Léon-Blum",
        postcode="75011",
        city="Paris",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=20,
    )
    event.refresh_from_db()
    assert (event.postcode, event.latitude, event.longitude, event.place_precision) == (
        "75011",
        48.858501,
        2.379521,
        Precision.COMMUNE,
    )


def test_an_unknown_place_leaves_the_event_unplaced(communes: int) -> None:
    campaign = CampaignFactory.create()
    start = timezone.now() + timedelta(days=2)
    event = event_create(
        actor=campaign.created_by,
        campaign=campaign,
        title="Ramassage",
        address="Le grand chêne",
        city="Nulle-Part-sur-Mer",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=20,
    )
    assert (event.latitude, event.longitude, event.place_precision) == (None, None, "")


def test_events_near_are_upcoming_visible_and_nearest_first() -> None:
    near = _at(48.8600, 2.3800, title="Tout près")  # ~0.2 km
    farther = _at(48.8700, 2.3600, title="Un peu plus loin")  # ~2 km
    _at(45.7640, 4.8357, title="Lyon")  # ~390 km
    _at(
        48.8600,
        2.3800,
        title="Passé",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )
    _at(48.8600, 2.3800, title="Proposé", status=Event.Status.PROPOSED)
    _at(
        48.8600,
        2.3800,
        title="Brouillon",
        campaign=CampaignFactory.create(status=Campaign.Status.DRAFT),
    )
    EventFactory.create(title="Sans lieu")
    found = list(selectors.events_near(user=AnonymousUser(), point=PARIS_11, radius_km=10))
    assert [event.title for event in found] == [near.title, farther.title]
    assert 0.1 < found[0].distance_km < 0.3  # type: ignore[attr-defined]
    assert 1.5 < found[1].distance_km < 2.5  # type: ignore[attr-defined]


def test_events_near_by_date() -> None:
    later = _at(
        48.8600,
        2.3800,
        title="Plus tard",
        starts_at=timezone.now() + timedelta(days=9),
        ends_at=timezone.now() + timedelta(days=9, hours=2),
    )
    sooner = _at(
        48.8700,
        2.3600,
        title="Bientôt",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
    )
    found = selectors.events_near(user=AnonymousUser(), point=PARIS_11, radius_km=10, by_date=True)
    assert [event.pk for event in found] == [sooner.pk, later.pk]


def test_the_events_near_page_lists_and_maps_them(communes: int, client: Client) -> None:
    event = _at(48.8600, 2.3800, title="Ramassage du canal")
    _at(45.7640, 4.8357, title="Ramassage du Rhône")
    response = client.get(reverse("campaigns:events_near"), {"near": "75011", "radius": "10"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ramassage du canal" in body
    assert "Ramassage du Rhône" not in body
    assert 'data-map="events-near-map"' in body
    assert f'"url": "{event.get_absolute_url()}"' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"near": "99999"}, "We do not know the place"),
        ({"near": "75011", "radius": "10000"}, "200 km at most"),
        ({"near": "75011", "radius": "0"}, "more than 0 km"),
        ({"near": "75011", "radius": "abc"}, "Enter a number"),
    ],
)
def test_bad_input_on_the_events_near_page(
    communes: int, client: Client, params: dict[str, str], message: str
) -> None:
    response = client.get(reverse("campaigns:events_near"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")


def test_the_campaign_page_maps_its_events(client: Client) -> None:
    event = _at(48.8600, 2.3800, title="Ramassage du canal")
    response = client.get(event.campaign.get_absolute_url())
    assert response.status_code == 200
    assert 'data-map="campaign-events-map"' in response.content.decode()


class FakeOnline:
    def __init__(self, answer: GeocodedPlace | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def geocode(self, query: str) -> GeocodedPlace | None:
        self.asked.append(query)
        return self.answer


def test_the_online_geocoder_refines_an_event_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = _at(
        48.858501,
        2.379521,
        address="12 place Léon-Blum",
        postcode="75011",
        place_precision=Precision.COMMUNE,
    )
    fake = FakeOnline(
        GeocodedPlace(
            "12 Place Léon Blum 75011 Paris", "Paris", "75011", 48.8585, 2.3797, Precision.ADDRESS
        )
    )
    monkeypatch.setattr("essaim.campaigns.services.places.online_geocoder", lambda: fake)
    assert event_locate_online(event.pk) is True
    event.refresh_from_db()
    assert (event.latitude, event.longitude, event.place_precision) == (48.8585, 2.3797, "address")
    # Twice: nothing more is asked nor changed.
    assert event_locate_online(event.pk) is False
    assert fake.asked == ["12 place Léon-Blum 75011 Paris"]


def test_without_an_online_geocoder_nothing_is_asked(settings: object) -> None:
    event = _at(48.858501, 2.379521, place_precision=Precision.COMMUNE)
    assert event_locate_online(event.pk) is False
    event.refresh_from_db()
    assert event.place_precision == Precision.COMMUNE


@pytest.mark.postgres
def test_postgres_finds_events_near_through_the_sphere_index() -> None:
    _at(48.8600, 2.3800)
    events = selectors.events_near(user=AnonymousUser(), point=PARIS_11, radius_km=10)
    with connection.cursor() as cursor:
        # A handful of rows: the planner would rather scan; forbid it to see the index is usable.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = events.explain()
    assert "event_sphere" in plan
