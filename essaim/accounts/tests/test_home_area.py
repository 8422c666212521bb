"""A person's home area: set in settings from a commune or a postcode, private, forgotten on
deletion, and where "events near you" starts."""

import pytest
from django.test import Client
from django.urls import reverse

from essaim.accounts import services
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _post(client: Client, home_area: str) -> object:
    return client.post(
        reverse("accounts:settings"),
        {"display_name": "Alice", "bio": "", "city": "", "language": "en", "home_area": home_area},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_home_area_is_set_from_a_postcode_and_stays_private(
    communes: int, client: Client
) -> None:
    alice = UserFactory.create(language="en")
    client.force_login(alice)
    assert _post(client, "75011").status_code == 302  # type: ignore[attr-defined]
    alice.refresh_from_db()
    assert (alice.home_area, alice.home_latitude, alice.home_longitude) == (
        "75011 Paris 11e Arrondissement",
        48.858501,
        2.379521,
    )
    profile = Client().get(alice.get_absolute_url()).content.decode()
    assert "75011" not in profile and "11e" not in profile
    # "Events near you" starts from it with nothing typed.
    EventFactory.create(title="Ramassage du canal", latitude=48.86, longitude=2.38)
    page = client.get(reverse("campaigns:events_near")).content.decode()
    assert "Ramassage du canal" in page


def test_an_unknown_home_area_is_a_form_error_and_changes_nothing(
    communes: int, client: Client
) -> None:
    alice = UserFactory.create(language="en", display_name="Before")
    client.force_login(alice)
    response = _post(client, "Atlantis")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "We do not know the place" in response.content.decode()  # type: ignore[attr-defined]
    alice.refresh_from_db()
    assert (alice.home_area, alice.home_latitude, alice.display_name) == ("", None, "Before")


def test_deleting_the_account_forgets_the_home_area(communes: int) -> None:
    alice = UserFactory.create()
    services.home_area_set(user=alice, home_area="Lyon")
    assert alice.home_latitude is not None
    services.user_delete(user=alice)
    alice.refresh_from_db()
    assert (alice.home_area, alice.home_latitude, alice.home_longitude) == ("", None, None)
    assert services.user_export(UserFactory.create())["account"]["home_area"] == ""
