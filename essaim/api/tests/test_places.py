"""Near a place and the map windows in the API: scoped, rounded, and clear on bad input."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from essaim.aid.tests.factories import AidListingFactory
from essaim.api.routers.places import WINDOW_BYTES, WINDOW_LIMIT
from essaim.api.tests.conftest import call
from essaim.campaigns.models import Event
from essaim.campaigns.tests.factories import EventFactory
from essaim.communities.models import Community
from essaim.communities.tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def test_events_near_a_postcode(communes: int, api_client: Client) -> None:
    near = EventFactory.create(title="Canal", latitude=48.86, longitude=2.38)
    EventFactory.create(title="Rhône", latitude=45.76, longitude=4.83)
    response = call(api_client, "GET", "/near/events", data={"near": "75011", "radius_km": 5})
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [near.pk]
    assert rows[0]["place"]["latitude"] == 48.86
    assert rows[0]["distance_km"] < 0.5


def test_listings_near_are_rounded(api_client: Client) -> None:
    AidListingFactory.create(
        place="Paris 11e Arrondissement", latitude=48.858501, longitude=2.379521
    )
    response = call(api_client, "GET", "/near/listings", data={"lat": 48.86, "lon": 2.38})
    assert response.status_code == 200
    (row,) = response.json()
    assert (row["place"], row["latitude"], row["longitude"]) == (
        "Paris 11e Arrondissement",
        48.86,
        2.38,
    )


def test_private_communities_stay_off_the_map(api_client: Client) -> None:
    CommunityFactory.create(name="Publique", latitude=48.86, longitude=2.38)
    CommunityFactory.create(
        name="Privée", latitude=48.86, longitude=2.38, visibility=Community.Visibility.PRIVATE
    )
    response = call(api_client, "GET", "/geo/communities", data={"bbox": "2.2,48.8,2.5,48.9"})
    assert response.status_code == 200
    assert [f["properties"]["title"] for f in response.json()["features"]] == ["Publique"]


def test_events_geojson_in_a_window(api_client: Client) -> None:
    inside = EventFactory.create(latitude=48.86, longitude=2.38)
    EventFactory.create(latitude=45.76, longitude=4.83)
    response = call(api_client, "GET", "/geo/events", data={"bbox": "2.2,48.8,2.5,48.9"})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    assert body["features"] == [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.38, 48.86]},
            "properties": {
                "id": inside.pk,
                "title": inside.title,
                "url": inside.get_absolute_url(),
            },
        }
    ]


@pytest.mark.parametrize(
    ("title", "by_weight"),
    # Short titles: the count stops the window. Titles of the longest length, in accented
    # letters that JSON escapes to 6 bytes each: the weight does, before 200 KB (about 200
    # features; exactly how many depends on the ids' digits, which differ by database).
    [("Ramassage {:03d}", False), ("{:03d}" + "é" * 137, True)],
    ids=["by-count", "by-weight"],
)
def test_a_crowded_window_is_cut_short_and_stays_under_200_kb(
    api_client: Client, title: str, by_weight: bool
) -> None:
    first = EventFactory.create(title="Au canal", latitude=48.861234567891, longitude=2.3812345)
    Event.objects.bulk_create(
        Event(
            campaign=first.campaign,
            proposed_by=first.proposed_by,
            title=title.format(index),
            address=first.address,
            latitude=48.85 + index / 100_000,
            longitude=2.35 + index / 100_000,
            starts_at=first.starts_at + timedelta(minutes=1),
            ends_at=first.ends_at,
            capacity=first.capacity,
            status=first.status,
        )
        for index in range(WINDOW_LIMIT)
    )
    response = call(api_client, "GET", "/geo/events", data={"bbox": "2.2,48.8,2.5,48.9"})
    body: dict[str, Any] = response.json()
    assert body["truncated"] is True
    assert len(response.content) < 200_000
    if by_weight:
        # Cut by the weight: one more feature would not have fitted.
        feature = len(response.content) // len(body["features"])
        assert len(body["features"]) < WINDOW_LIMIT
        assert len(response.content) > WINDOW_BYTES - 2 * feature
    else:
        assert len(body["features"]) == WINDOW_LIMIT
    assert body["features"][0]["geometry"]["coordinates"] == [2.38123, 48.86123]


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        ("/near/events", {"near": "99999"}, "We do not know the place"),
        ("/near/events", {"lat": 95, "lon": 2}, "latitude must be between -90 and 90"),
        ("/near/events", {"lat": 48, "lon": 200}, "longitude must be between -180 and 180"),
        ("/near/events", {"near": "75011", "radius_km": 10000}, "200 km at most"),
        ("/near/communities", {}, "Give a place"),
        ("/geo/events", {"bbox": "2.2,48.8,2.5"}, "four numbers"),
        ("/geo/listings", {"bbox": "2.5,48.8,2.2,48.9"}, "west below east"),
        ("/geo/events", {"bbox": "west,48.8,2.5,48.9"}, "four numbers"),
        ("/geo/communities", {"bbox": "-200,48.8,2.5,48.9"}, "longitude must be between"),
        ("/geo/events", {"bbox": "nan,nan,nan,nan"}, "must be numbers"),
        ("/near/events", {"lat": "nan", "lon": 2}, "must be numbers"),
        ("/near/listings", {"near": "75011", "radius_km": 0}, "more than 0 km"),
        ("/near/communities", {"near": "Atlantis"}, "We do not know the place"),
    ],
)
def test_bad_input_is_a_400_with_its_detail(
    communes: int, api_client: Client, path: str, params: dict[str, Any], detail: str
) -> None:
    response = call(api_client, "GET", path, data=params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert detail in response.json()["detail"]
