"""Turning what people type ("75011", "Paris 11e", "12 rue Oberkampf 75011 Paris") into a point.

`geocoder()` is the offline default, `CommuneGeocoder`, which reads the `Commune` table: it
knows communes and postcodes, so its best is the commune's town hall (precision "commune"). It
answers in a request. The optional online adapters (`online_geocoder()`: the national address
base, Nominatim or Photon, chosen by `PLACES_ONLINE_GEOCODER`) find the address itself; they
are only ever called from a background task, never during a request, and tests fake them.
"""

import json
import logging
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from essaim.core.errors import ValidationError
from essaim.core.models import Commune, Precision
from essaim.core.places import check_point
from essaim.core.text import normalise

logger = logging.getLogger(__name__)

POSTCODE = re.compile(r"\b(\d{5})\b")
# "Paris 11", "Paris 11e", "Paris 11ème", "Lyon 3eme" → "paris 11e"
ARRONDISSEMENT = re.compile(r"^(paris|lyon|marseille) (\d{1,2})(?:e|eme|er|ere)?$")


@dataclass(frozen=True)
class GeocodedPlace:
    label: str  # the commune's name, or the address the online service matched
    commune: str
    postcode: str
    latitude: float
    longitude: float
    precision: str


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeocodedPlace | None: ...


def search_name_for(name: str) -> str:
    """The key communes are matched on: "Paris 11e Arrondissement" → "paris 11e"."""
    key = normalise(name).removesuffix(" arrondissement")
    match = ARRONDISSEMENT.match(key)
    if match:
        number = int(match.group(2))
        key = f"{match.group(1)} {number}{'er' if number == 1 else 'e'}"
    return key


class CommuneGeocoder:
    """Offline: a postcode, a commune's name, or both; else None."""

    def geocode(self, query: str) -> GeocodedPlace | None:
        text = query.strip()
        if not text:
            return None
        postcodes = POSTCODE.findall(text)
        rows = Commune.objects.order_by("-population", "insee_code")
        if postcodes:
            postcode = postcodes[-1]
            rest = search_name_for(POSTCODE.sub(" ", text))
            candidates = rows.filter(postcode=postcode)
            # "75011 Paris": the name narrows it down when it can, never empties it.
            named = [row for row in candidates if rest and rest.endswith(row.search_name)]
            commune = named[0] if named else candidates.first()
        else:
            # "Lyon", then "12 rue de la Roquette Paris 11e" by its last words.
            words = search_name_for(text).split()
            keys = [" ".join(words[start:]) for start in range(max(0, len(words) - 4), len(words))]
            by_name = {row.search_name: row for row in rows.filter(search_name__in=keys).reverse()}
            commune = next((by_name[key] for key in keys if key in by_name), None)
        if commune is None:
            return None
        return GeocodedPlace(
            label=commune.name,
            commune=commune.name,
            postcode=commune.postcode,
            latitude=commune.latitude,
            longitude=commune.longitude,
            precision=Precision.COMMUNE,
        )


def geocoder() -> Geocoder:
    return CommuneGeocoder()


def locate(query: str) -> GeocodedPlace:
    """The place `query` names, or a ValidationError a person can act on."""
    found = geocoder().geocode(query)
    if found is None:
        raise ValidationError(
            _("We do not know the place “%(place)s”: try a postcode or a commune's name.")
            % {"place": query.strip()[:80]}
        )
    return found


def place_fields(
    text: str,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    commune_only: bool = False,
) -> dict[str, Any]:
    """The `Placed` fields for a place people typed, for a write: the point given (an address's
    own, e.g. from the API), else the commune's the offline geocoder finds, else no point (the
    place stays words; nothing refused: a campaign may meet somewhere no table knows).
    `commune_only` (mutual-aid listings) never keeps a point closer than the commune."""
    found = geocoder().geocode(text) if text.strip() else None
    if latitude is not None and longitude is not None and not commune_only:
        check_point(latitude, longitude)
        return {
            "postcode": found.postcode if found else "",
            "latitude": latitude,
            "longitude": longitude,
            "place_precision": Precision.ADDRESS,
        }
    if found is None:
        return {"postcode": "", "latitude": None, "longitude": None, "place_precision": ""}
    return {
        "postcode": found.postcode,
        "latitude": found.latitude,
        "longitude": found.longitude,
        "place_precision": Precision.COMMUNE,
    }


# The online adapters: each builds a URL and reads one JSON shape. Network errors propagate to
# the calling task (which retries on its next run); a reply without a match gives None.


class OnlineGeocoder:
    timeout_seconds = 10

    def __init__(self, base_url: str) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in {"http", "https"}:
            raise ValueError("PLACES_ONLINE_GEOCODER_URL must be an http(s) address")
        self.base_url = base_url.rstrip("/")

    def fetch_json(self, url: str) -> Any:
        # The scheme is checked in __init__: only http(s) reaches urlopen.
        request = urllib.request.Request(url, headers={"User-Agent": "Essaim geocoder"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
            return json.load(response)

    def geocode(self, query: str) -> GeocodedPlace | None:
        raise NotImplementedError


class AddressApiGeocoder(OnlineGeocoder):
    """France's national address base (GeoJSON features with `label`, `postcode`, `city`)."""

    def geocode(self, query: str) -> GeocodedPlace | None:
        params = urllib.parse.urlencode({"q": query, "limit": 1})
        features = self.fetch_json(f"{self.base_url}/search/?{params}").get("features") or []
        if not features:
            return None
        properties = features[0]["properties"]
        longitude, latitude = features[0]["geometry"]["coordinates"]
        return GeocodedPlace(
            label=properties.get("label", query),
            commune=properties.get("city", ""),
            postcode=properties.get("postcode", ""),
            latitude=float(latitude),
            longitude=float(longitude),
            precision=(
                Precision.ADDRESS
                if properties.get("type") in {"housenumber", "street"}
                else Precision.COMMUNE
            ),
        )


class NominatimGeocoder(OnlineGeocoder):
    def geocode(self, query: str) -> GeocodedPlace | None:
        params = urllib.parse.urlencode(
            {"q": query, "format": "jsonv2", "limit": 1, "addressdetails": 1}
        )
        results = self.fetch_json(f"{self.base_url}/search?{params}")
        if not results:
            return None
        address = results[0].get("address", {})
        return GeocodedPlace(
            label=results[0].get("display_name", query),
            commune=address.get("city") or address.get("town") or address.get("village", ""),
            postcode=address.get("postcode", ""),
            latitude=float(results[0]["lat"]),
            longitude=float(results[0]["lon"]),
            precision=Precision.ADDRESS if address.get("road") else Precision.COMMUNE,
        )


class PhotonGeocoder(OnlineGeocoder):
    def geocode(self, query: str) -> GeocodedPlace | None:
        params = urllib.parse.urlencode({"q": query, "limit": 1})
        features = self.fetch_json(f"{self.base_url}/api/?{params}").get("features") or []
        if not features:
            return None
        properties = features[0]["properties"]
        longitude, latitude = features[0]["geometry"]["coordinates"]
        return GeocodedPlace(
            label=properties.get("name", query),
            commune=properties.get("city", ""),
            postcode=properties.get("postcode", ""),
            latitude=float(latitude),
            longitude=float(longitude),
            precision=Precision.ADDRESS if properties.get("street") else Precision.COMMUNE,
        )


ONLINE_GEOCODERS: dict[str, type[OnlineGeocoder]] = {
    "address-api": AddressApiGeocoder,
    "nominatim": NominatimGeocoder,
    "photon": PhotonGeocoder,
}


def online_geocoder() -> OnlineGeocoder | None:
    """The configured online service, or None (the default: nothing leaves the instance)."""
    name = settings.PLACES_ONLINE_GEOCODER
    if not name:
        return None
    return ONLINE_GEOCODERS[name](settings.PLACES_ONLINE_GEOCODER_URL)
