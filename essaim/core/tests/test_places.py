"""Places: the offline geocoder on the real commune table, distances, map windows, bad input."""

import itertools
import math

import pytest

from essaim.core.communes import commune_rows, communes_load
from essaim.core.errors import ValidationError
from essaim.core.geocoding import (
    AddressApiGeocoder,
    CommuneGeocoder,
    locate,
    place_fields,
    search_name_for,
)
from essaim.core.models import Commune, Precision
from essaim.core.places import (
    EARTH_RADIUS_KM,
    Point,
    bounding_box,
    check_point,
    check_radius,
    distance_km,
    parse_bbox,
    rounded,
    within,
)

PARIS_11 = Point(48.858501, 2.379521)  # the 11th arrondissement's town hall, place Léon-Blum


def great_circle_km(a: Point, b: Point) -> float:
    """The test's own great-circle distance (spherical law of cosines), to check the
    database's (`places.distance_km`) against."""
    cosine = math.cos(math.radians(a.latitude)) * math.cos(math.radians(b.latitude)) * math.cos(
        math.radians(b.longitude - a.longitude)
    ) + math.sin(math.radians(a.latitude)) * math.sin(math.radians(b.latitude))
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cosine)))


def test_the_package_holds_every_commune_with_a_point() -> None:
    rows = commune_rows()
    assert len(rows) > 34_000
    assert all(-22 < row.latitude < 52 and -180 <= row.longitude <= 180 for row in rows)
    codes = {(row.insee_code, row.postcode) for row in rows}
    assert ("75111", "75011") in codes
    assert ("69123", "") in codes  # Lyon itself: its postcodes belong to its arrondissements


@pytest.mark.parametrize(
    ("query", "commune", "postcode"),
    [
        ("75011", "Paris 11e Arrondissement", "75011"),
        ("Paris 11e", "Paris 11e Arrondissement", "75011"),
        ("paris 11", "Paris 11e Arrondissement", "75011"),
        ("PARIS 11ème", "Paris 11e Arrondissement", "75011"),
        ("Lyon", "Lyon", ""),
        ("69003", "Lyon 3e Arrondissement", "69003"),
        ("12 place Léon-Blum, 75011 Paris", "Paris 11e Arrondissement", "75011"),
        ("3 rue de la Roquette Paris 11e", "Paris 11e Arrondissement", "75011"),
    ],
)
def test_the_offline_geocoder_resolves_postcodes_and_names(
    communes: int, query: str, commune: str, postcode: str
) -> None:
    found = CommuneGeocoder().geocode(query)
    assert found is not None
    assert (found.commune, found.postcode, found.precision) == (
        commune,
        postcode,
        Precision.COMMUNE,
    )


def test_paris_11e_is_its_town_hall(communes: int) -> None:
    found = locate("75011")
    assert great_circle_km(Point(found.latitude, found.longitude), PARIS_11) < 0.01


@pytest.mark.parametrize("query", ["99999", "Atlantis", "", "   "])
def test_an_unknown_place_is_a_clear_error(communes: int, query: str) -> None:
    with pytest.raises(ValidationError, match="We do not know the place"):
        locate(query)


def test_loading_twice_gives_the_same_table(communes: int) -> None:
    first = sorted(Commune.objects.values_list("insee_code", "postcode"))
    assert communes_load(departments=("75", "69")) == communes
    assert sorted(Commune.objects.values_list("insee_code", "postcode")) == first


def test_search_names() -> None:
    assert search_name_for("Paris 1er Arrondissement") == "paris 1er"
    assert search_name_for("Saint-Étienne") == "saint etienne"


def test_place_fields_keeps_a_given_point_as_the_address(communes: int) -> None:
    fields = place_fields("12 place Léon-Blum 75011 Paris", latitude=48.8585, longitude=2.3797)
    assert fields == {
        "postcode": "75011",
        "latitude": 48.8585,
        "longitude": 2.3797,
        "place_precision": Precision.ADDRESS,
    }
    # A listing never keeps more than its commune, whatever it was given.
    commune = place_fields(
        "12 place Léon-Blum 75011 Paris", latitude=48.8585, longitude=2.3797, commune_only=True
    )
    assert commune["place_precision"] == Precision.COMMUNE
    assert (commune["latitude"], commune["longitude"]) == (48.858501, 2.379521)
    assert place_fields("Nowhere at all")["latitude"] is None


def test_the_database_measures_great_circle_distances(communes: int) -> None:
    lyon = Point(45.767691, 4.835371)
    paris = Point(48.858875, 2.346868)
    assert 391 < great_circle_km(paris, lyon) < 393
    rows = Commune.objects.annotate(km=distance_km(paris)).order_by("insee_code", "postcode")
    assert len(rows) > 40
    for row in rows:
        expected = great_circle_km(paris, Point(row.latitude, row.longitude))
        assert row.km == pytest.approx(expected, abs=0.001)
    # At the very point: 0, not NaN (the cosine rounded past 1).
    town_hall = Commune.objects.annotate(km=distance_km(PARIS_11)).get(postcode="75011")
    assert town_hall.km == pytest.approx(0, abs=0.001)


@pytest.mark.parametrize("radius", [0.5, 3, 30, 200])
def test_within_finds_what_the_oracle_finds_nearest_first(communes: int, radius: float) -> None:
    """The one query builder, on whichever database runs the tests (SQLite, and PostgreSQL's
    cube box and nearest-first order): the same communes as the test's own great-circle
    distance, each at its distance, never farther before nearer."""
    rows = list(within(Commune.objects.all(), PARIS_11, radius))
    expected = {
        row.pk: great_circle_km(PARIS_11, Point(row.latitude, row.longitude))
        for row in Commune.objects.all()
    }
    inside = {pk for pk, km in expected.items() if km <= radius}
    assert {row.pk for row in rows} == inside
    assert len(inside) >= 1
    found = [row.distance_km for row in rows]  # type: ignore[attr-defined]
    assert found == pytest.approx([expected[row.pk] for row in rows], abs=0.001)
    assert all(nearer <= farther + 1e-9 for nearer, farther in itertools.pairwise(found))


def test_the_bounding_box_holds_the_circle() -> None:
    box = bounding_box(PARIS_11, 10)
    for bearing in range(0, 360, 15):
        # A point 9.99 km away in every direction lies in the box.
        angle = math.radians(bearing)
        latitude = PARIS_11.latitude + math.degrees(9.99 / 6371.0088) * math.cos(angle)
        longitude = PARIS_11.longitude + math.degrees(9.99 / 6371.0088) * math.sin(
            angle
        ) / math.cos(math.radians(PARIS_11.latitude))
        assert box.south <= latitude <= box.north
        assert box.west <= longitude <= box.east


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (91, 2, "latitude must be between -90 and 90"),
        (48, 181, "longitude must be between -180 and 180"),
        (math.nan, 2, "must be numbers"),
    ],
)
def test_coordinates_out_of_range(latitude: float, longitude: float, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_point(latitude, longitude)


@pytest.mark.parametrize("radius", [0, -5, 10_000, math.inf])
def test_radius_out_of_range(radius: float) -> None:
    with pytest.raises(ValidationError, match="distance"):
        check_radius(radius)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2.3,48.8,2.4", "four numbers"),
        ("a,b,c,d", "four numbers"),
        ("2.4,48.8,2.3,48.9", "west below east"),
        ("2.3,95,2.4,96", "latitude"),
    ],
)
def test_malformed_bbox(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_bbox(text)


def test_bbox_and_rounding() -> None:
    box = parse_bbox("2.3,48.8,2.4,48.9")
    assert (box.west, box.south, box.east, box.north) == (2.3, 48.8, 2.4, 48.9)
    assert rounded(48.858501) == 48.86
    assert rounded(None) is None


class FakeResponse:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __enter__(self) -> "FakeResponse":
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def read(self, *args: object) -> bytes:
        return self.body


def test_the_address_api_adapter_reads_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    body = (
        b'{"features": [{"geometry": {"type": "Point", "coordinates": [2.3797, 48.8585]},'
        b' "properties": {"label": "12 Place L\\u00e9on Blum 75011 Paris", "type": "housenumber",'
        b' "postcode": "75011", "city": "Paris"}}]}'
    )

    def fake_urlopen(request: object, timeout: float) -> FakeResponse:
        asked.append(request.full_url)  # type: ignore[attr-defined]
        return FakeResponse(body)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    found = AddressApiGeocoder("https://address.example").geocode("12 place Léon-Blum Paris")
    assert asked == ["https://address.example/search/?q=12+place+L%C3%A9on-Blum+Paris&limit=1"]
    assert found is not None
    assert (found.latitude, found.longitude, found.postcode, found.precision) == (
        48.8585,
        2.3797,
        "75011",
        Precision.ADDRESS,
    )


def test_an_online_adapter_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="http"):
        AddressApiGeocoder("file:///etc/passwd")
