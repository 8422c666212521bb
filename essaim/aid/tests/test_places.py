"""A listing's place is its commune, never an address; the board searches by distance."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.aid import selectors, services
from essaim.aid.models import AidListing
from essaim.aid.tests.factories import AidListingFactory
from essaim.communities.models import Community
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core.models import Precision
from essaim.core.places import Point

pytestmark = pytest.mark.django_db

PARIS_11 = Point(48.858501, 2.379521)


def test_a_listing_keeps_only_its_commune(communes: int) -> None:
    listing = services.listing_create(
        author=UserFactory.create(),
        kind=AidListing.Kind.OFFER,
        category=AidListing.Category.GOODS,
        title="Poussette",
        place="14 rue Oberkampf, 75011 Paris",
    )
    listing.refresh_from_db()
    assert listing.place == "Paris 11e Arrondissement"
    assert "oberkampf" not in listing.search_text
    assert (listing.postcode, listing.latitude, listing.longitude, listing.place_precision) == (
        "75011",
        48.858501,
        2.379521,
        Precision.COMMUNE,
    )


def test_editing_a_listing_keeps_only_its_commune(communes: int) -> None:
    author = UserFactory.create()
    listing = services.listing_create(
        author=author, kind="offer", category="goods", title="Vélo", place="Lyon"
    )
    services.listing_update(
        actor=author,
        listing=listing,
        kind="offer",
        category="goods",
        title="Vélo",
        body="",
        place="3 rue Mercière 69002 Lyon",
        community=None,
        expires_at=None,
    )
    listing.refresh_from_db()
    assert (listing.place, listing.postcode) == ("Lyon 2e Arrondissement", "69002")


def test_the_board_near_a_place_is_nearest_first_and_scoped() -> None:
    near = AidListingFactory.create(title="Près", latitude=48.8600, longitude=2.3800)
    far = AidListingFactory.create(title="Loin", latitude=48.8700, longitude=2.3300)
    AidListingFactory.create(title="Lyon", latitude=45.7640, longitude=4.8357)
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    AidListingFactory.create(title="Privée", latitude=48.8620, longitude=2.3800, community=private)
    found = selectors.listing_search(user=AnonymousUser(), near=PARIS_11, radius_km=10)
    assert [listing.pk for listing in found] == [near.pk, far.pk]
    member = MembershipFactory.create(community=private).user
    found = selectors.listing_search(user=member, near=PARIS_11, radius_km=10)
    assert [listing.title for listing in found] == ["Près", "Privée", "Loin"]


def test_the_board_page_near_a_postcode(communes: int, client: Client) -> None:
    AidListingFactory.create(
        title="Poussette", place="Paris 11e Arrondissement", latitude=48.858501, longitude=2.379521
    )
    AidListingFactory.create(title="Tondeuse", place="Lyon", latitude=45.7676, longitude=4.8353)
    response = client.get(reverse("aid:list"), {"near": "Paris 11e", "radius": "5"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Poussette" in body and "Tondeuse" not in body
    # The map's point is rounded to about a kilometre.
    assert '"latitude": 48.86, "longitude": 2.38' in body


def test_the_board_says_an_unknown_place(communes: int, client: Client) -> None:
    response = client.get(reverse("aid:list"), {"near": "Atlantis"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "We do not know the place" in response.content.decode()


@pytest.mark.postgres
def test_postgres_reads_the_nearest_listings_from_the_sphere_index() -> None:
    AidListingFactory.create(latitude=48.8600, longitude=2.3800)
    nearest = selectors.listing_search(user=AnonymousUser(), near=PARIS_11, radius_km=10)[:20]
    with connection.cursor() as cursor:
        # A handful of rows: the planner would rather scan and sort; forbid both to see that
        # the index filters by the box and gives the order by itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = nearest.explain()
    assert "Index Scan using aid_sphere" in plan
    assert "Order By: (cube(" in plan
