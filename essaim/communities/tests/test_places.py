"""A community's place: from its city; a private one's place for its members only."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.communities import selectors, services
from essaim.communities.models import Community
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core.places import Point

pytestmark = pytest.mark.django_db

PARIS_11 = Point(48.858501, 2.379521)


def test_a_community_is_placed_at_its_commune(communes: int) -> None:
    community = services.community_create(
        creator=UserFactory.create(), name="Entraide Paris 11e", city="Paris 11e"
    )
    community.refresh_from_db()
    assert (community.postcode, community.latitude, community.longitude) == (
        "75011",
        48.858501,
        2.379521,
    )


def test_a_private_communitys_place_is_for_its_members() -> None:
    public = CommunityFactory.create(name="Publique", latitude=48.86, longitude=2.38)
    private = CommunityFactory.create(
        name="Privée", latitude=48.86, longitude=2.38, visibility=Community.Visibility.PRIVATE
    )
    CommunityFactory.create(name="Lyon", latitude=45.76, longitude=4.83)
    outsider = UserFactory.create()
    member = MembershipFactory.create(community=private).user
    for user in (AnonymousUser(), outsider):
        assert [
            c.pk for c in selectors.communities_near(user=user, point=PARIS_11, radius_km=10)
        ] == [public.pk]
    assert {
        c.pk for c in selectors.communities_near(user=member, point=PARIS_11, radius_km=10)
    } == {
        public.pk,
        private.pk,
    }


def test_the_directory_near_a_postcode(communes: int, client: Client) -> None:
    CommunityFactory.create(name="Entraide du 11e", latitude=48.8585, longitude=2.3795)
    CommunityFactory.create(name="Entraide lyonnaise", latitude=45.76, longitude=4.83)
    response = client.get(reverse("communities:list"), {"near": "75011"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Entraide du 11e" in body and "Entraide lyonnaise" not in body
    bad = client.get(reverse("communities:list"), {"near": "75011", "radius": "10000"})
    assert bad.status_code == 400
