"""Near a place, and the map's windows as GeoJSON: the domains' distance selectors, scoped
to the caller like every list (a private community's place only for its members, a listing's
point rounded to its commune)."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import NinjaJSONEncoder

from essaim.aid import selectors as aid_selectors
from essaim.aid.models import AidListing
from essaim.api import schemas
from essaim.api.auth import READ, viewer
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.models import Event
from essaim.communities import selectors as community_selectors
from essaim.communities.models import Community
from essaim.core.errors import ValidationError
from essaim.core.geocoding import locate
from essaim.core.models import Placed
from essaim.core.places import Point, check_point, check_radius, parse_bbox, rounded
from essaim.core.site import absolute_url

router = Router(tags=["places"])
NEAR_LIMIT = 100
# One map window's answer: enough for a clustered map (`truncated` asks the client to zoom
# in), and under 200 KB: 500 features of typical titles weigh about 120 KB (bench/map.py);
# titles of 140 accented letters, escaped in JSON, would weigh 500 KB, so the features also
# stop at a budget of bytes.
WINDOW_LIMIT = 500
WINDOW_BYTES = 199_000
# A window's points to 5 decimals, about a metre: finer than any geocoder's, and 14 bytes a
# feature fewer than a float's 15 digits.
WINDOW_DECIMALS = 5
ACTIVE = (AidListing.Status.OPEN, AidListing.Status.PROMISED)


def _point(query: schemas.NearQuery) -> tuple[Point, float]:
    radius = check_radius(query.radius_km)
    if query.near.strip():
        found = locate(query.near)
        return Point(found.latitude, found.longitude), radius
    if query.lat is None or query.lon is None:
        raise ValidationError(_("Give a place (near), or a latitude and a longitude."))
    return check_point(query.lat, query.lon), radius


def _place(row: Placed) -> dict[str, Any]:
    return {
        "postcode": row.postcode,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "precision": row.place_precision,
    }


@router.get("/near/events", response={200: list[schemas.EventNear], **schemas.ERRORS}, auth=READ)
def events_near(
    request: HttpRequest,
    query: Query[schemas.NearQuery],
    sort: str = Query("distance", pattern="^(distance|date)$"),
) -> list[dict[str, Any]]:
    """Upcoming events around a place, nearest (or soonest) first; at most 100."""
    point, radius = _point(query)
    events = campaign_selectors.events_near(
        user=viewer(request), point=point, radius_km=radius, by_date=sort == "date"
    )[:NEAR_LIMIT]
    return [
        {
            "id": event.pk,
            "title": event.title,
            "campaign": event.campaign.slug,
            "address": event.address,
            "city": event.city,
            "place": _place(event),
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "distance_km": round(event.distance_km, 2),  # type: ignore[attr-defined]
            "url": absolute_url(event.get_absolute_url()),
        }
        for event in events
    ]


@router.get(
    "/near/communities", response={200: list[schemas.CommunityNear], **schemas.ERRORS}, auth=READ
)
def communities_near(request: HttpRequest, query: Query[schemas.NearQuery]) -> list[dict[str, Any]]:
    """Communities around a place; a private one only for its members."""
    point, radius = _point(query)
    rows = community_selectors.communities_near(
        user=viewer(request), point=point, radius_km=radius
    )[:NEAR_LIMIT]
    return [
        {
            "slug": row.slug,
            "name": row.name,
            "city": row.city,
            "place": _place(row),
            "distance_km": round(row.distance_km, 2),  # type: ignore[attr-defined]
            "url": absolute_url(row.get_absolute_url()),
        }
        for row in rows
    ]


@router.get(
    "/near/listings", response={200: list[schemas.ListingNear], **schemas.ERRORS}, auth=READ
)
def listings_near(request: HttpRequest, query: Query[schemas.NearQuery]) -> list[dict[str, Any]]:
    """Open and promised listings around a place, by their commune."""
    point, radius = _point(query)
    rows = aid_selectors.listing_search(
        user=viewer(request), near=point, radius_km=radius, statuses=ACTIVE
    )[:NEAR_LIMIT]
    return [
        {
            "id": row.pk,
            "kind": row.kind,
            "category": row.category,
            "title": row.title,
            "place": row.place,
            "latitude": rounded(row.latitude),
            "longitude": rounded(row.longitude),
            "distance_km": round(row.distance_km, 1),  # type: ignore[attr-defined]
            "url": absolute_url(row.get_absolute_url()),
        }
        for row in rows
    ]


def _collection(rows: list[Any], *, round_points: bool = False) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    weight = len('{"type": "FeatureCollection", "features": [], "truncated": false}')
    for row in rows[:WINDOW_LIMIT]:
        if round_points:
            latitude, longitude = rounded(row.latitude), rounded(row.longitude)
        else:
            latitude = round(row.latitude, WINDOW_DECIMALS)
            longitude = round(row.longitude, WINDOW_DECIMALS)
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": {
                "id": row.pk if not isinstance(row, Community) else row.slug,
                "title": str(row),
                "url": row.get_absolute_url(),
            },
        }
        # As the response writes it (JSONRenderer: ASCII, ", " between items).
        weight += len(json.dumps(feature, cls=NinjaJSONEncoder)) + len(", ")
        if weight > WINDOW_BYTES:
            break
        features.append(feature)
    return {
        "type": "FeatureCollection",
        "features": features,
        "truncated": len(features) < len(rows),
    }


BBOX = Query(
    ...,
    max_length=200,
    pattern=schemas.NO_NUL,
    description="west,south,east,north in degrees.",
)


@router.get("/geo/events", response={200: schemas.FeatureCollection, **schemas.ERRORS}, auth=READ)
def events_geojson(request: HttpRequest, bbox: str = BBOX) -> dict[str, Any]:
    """Upcoming events in a map window, as GeoJSON (at most 500: `truncated` says more)."""
    box = parse_bbox(bbox)
    rows: list[Event] = list(
        campaign_selectors.events_in_window(user=viewer(request), box=box)
        .only("pk", "title", "latitude", "longitude", "campaign__slug")
        .order_by("starts_at", "pk")[: WINDOW_LIMIT + 1]
    )
    return _collection(rows)


@router.get(
    "/geo/communities", response={200: schemas.FeatureCollection, **schemas.ERRORS}, auth=READ
)
def communities_geojson(request: HttpRequest, bbox: str = BBOX) -> dict[str, Any]:
    box = parse_bbox(bbox)
    rows = list(
        community_selectors.communities_in_window(user=viewer(request), box=box)[: WINDOW_LIMIT + 1]
    )
    return _collection(rows)


@router.get("/geo/listings", response={200: schemas.FeatureCollection, **schemas.ERRORS}, auth=READ)
def listings_geojson(request: HttpRequest, bbox: str = BBOX) -> dict[str, Any]:
    """Listings in a map window, each at its commune rounded to 0.01°."""
    box = parse_bbox(bbox)
    rows = list(
        aid_selectors.listings_in_window(user=viewer(request), box=box, statuses=ACTIVE)
        .only("pk", "title", "latitude", "longitude")
        .order_by("-created_at", "-pk")[: WINDOW_LIMIT + 1]
    )
    return _collection(rows, round_points=True)
