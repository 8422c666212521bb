"""The demo's places: the commune table loaded, then every community, event and listing placed
in its real city (a listing at its commune, never closer), so "near Paris 11e" finds the
Entraide Paris 11e community and the canal clean-up walks."""

from essaim.aid.models import AidListing
from essaim.campaigns.models import Event
from essaim.communities.models import Community
from essaim.core.communes import communes_load
from essaim.core.geocoding import CommuneGeocoder, GeocodedPlace
from essaim.core.models import Precision

# Communities whose city is wider than where they are.
COMMUNITY_PLACES = {"entraide-paris-11e": "75011"}
PLACE_FIELDS = ["postcode", "latitude", "longitude", "place_precision"]


class Places:
    """The offline geocoder with a memory: the demo has a few dozen distinct places."""

    def __init__(self) -> None:
        self.geocoder = CommuneGeocoder()
        self.known: dict[str, GeocodedPlace | None] = {}

    def find(self, *queries: str) -> GeocodedPlace | None:
        for query in queries:
            if query and query not in self.known:
                self.known[query] = self.geocoder.geocode(query)
            if query and self.known[query] is not None:
                return self.known[query]
        return None


def _set(row: Community | Event | AidListing, found: GeocodedPlace) -> None:
    row.postcode = found.postcode
    row.latitude, row.longitude = found.latitude, found.longitude
    row.place_precision = Precision.COMMUNE


def place_everything() -> dict[str, int]:
    counts = {"communes": communes_load()}
    places = Places()
    communities = list(Community.objects.filter(latitude__isnull=True))
    for community in communities:
        found = places.find(COMMUNITY_PLACES.get(community.slug, ""), community.city)
        if found is not None:
            _set(community, found)
    Community.objects.bulk_update(communities, PLACE_FIELDS, batch_size=500)
    events = list(Event.objects.filter(latitude__isnull=True))
    for event in events:
        found = places.find(event.postcode, event.city, event.address)
        if found is not None:
            _set(event, found)
    Event.objects.bulk_update(events, PLACE_FIELDS, batch_size=500)
    listings = list(
        AidListing.objects.filter(latitude__isnull=True).select_related("community", "author")
    )
    for listing in listings:
        found = places.find(
            listing.place,
            COMMUNITY_PLACES.get(listing.community.slug, "") if listing.community else "",
            listing.community.city if listing.community else "",
            listing.author.city,
        )
        if found is not None:
            _set(listing, found)
    AidListing.objects.bulk_update(listings, PLACE_FIELDS, batch_size=1000)
    counts["placed"] = sum(
        model.objects.filter(latitude__isnull=False).count()
        for model in (Community, Event, AidListing)
    )
    return counts
