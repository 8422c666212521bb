from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from essaim.aid.models import AidListing
from essaim.campaigns.models import Event
from essaim.campaigns.selectors import events_near
from essaim.communities.models import Community
from essaim.communities.selectors import communities_near
from essaim.core.geocoding import locate
from essaim.core.places import Point

pytestmark = pytest.mark.django_db


def test_the_demo_is_placed_and_near_paris_11e_finds_the_entraide_and_the_walks() -> None:
    call_command("demo_data", people=60, stdout=StringIO())
    for model in (Community, Event, AidListing):
        assert not model.objects.filter(latitude__isnull=True).exists(), model
    assert not AidListing.objects.exclude(place_precision="commune").exists()
    found = locate("Paris 11e")
    here = Point(found.latitude, found.longitude)
    names = [c.name for c in communities_near(user=AnonymousUser(), point=here, radius_km=10)]
    assert names[0] == "Entraide Paris 11e"
    walks = list(events_near(user=AnonymousUser(), point=here, radius_km=10))
    assert walks and {event.title for event in walks} == {"Ramassage — Paris"}
