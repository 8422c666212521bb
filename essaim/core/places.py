"""Distances and map windows over any `Placed` model, alike on SQLite and PostgreSQL.

"Within N km" first keeps the rows inside a bounding box (an index range on latitude), then
computes the great-circle distance for those alone, keeps the ones within the radius and sorts
by it. On PostgreSQL the box is `earth_box(...) @> ll_to_earth(latitude, longitude)`, which the
GiST index of each app's `earthdistance` migration answers; elsewhere it is a plain range.
"""

import math
from dataclasses import dataclass
from typing import TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Model, Q, QuerySet, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ACos, Cos, Least, Radians, Sin
from django.utils.translation import gettext as _

from essaim.core.errors import ValidationError

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 200.0
DEFAULT_RADIUS_KM = 10.0
# A listing's point on the map and in the API: two decimals, about a kilometre.
ROUNDED_DECIMALS = 2

ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class BoundingBox:
    south: float
    west: float
    north: float
    east: float


def check_point(latitude: float, longitude: float) -> Point:
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise ValidationError(_("Coordinates must be numbers."))
    if not -90 <= latitude <= 90:
        raise ValidationError(_("The latitude must be between -90 and 90."))
    if not -180 <= longitude <= 180:
        raise ValidationError(_("The longitude must be between -180 and 180."))
    return Point(latitude, longitude)


def check_radius(radius_km: float) -> float:
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise ValidationError(_("The distance must be more than 0 km."))
    if radius_km > MAX_RADIUS_KM:
        raise ValidationError(
            _("The distance can be %(max)s km at most.") % {"max": int(MAX_RADIUS_KM)}
        )
    return radius_km


def parse_bbox(text: str) -> BoundingBox:
    """`west,south,east,north` in degrees, as Leaflet's `getBounds().toBBoxString()` writes."""
    parts = text.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError as error:
        raise ValidationError(
            _("The map window must be four numbers: west,south,east,north.")
        ) from error
    check_point(south, west)
    check_point(north, east)
    if south >= north or west >= east:
        raise ValidationError(_("The map window must have its west below east, south below north."))
    return BoundingBox(south=south, west=west, north=north, east=east)


def bounding_box(point: Point, radius_km: float) -> BoundingBox:
    """A box holding every point within `radius_km` (a little more near the poles)."""
    latitude_span = math.degrees(radius_km / EARTH_RADIUS_KM)
    cosine = math.cos(math.radians(point.latitude))
    longitude_span = 180.0 if cosine < 0.01 else min(180.0, latitude_span / cosine)
    return BoundingBox(
        south=max(-90.0, point.latitude - latitude_span),
        west=max(-180.0, point.longitude - longitude_span),
        north=min(90.0, point.latitude + latitude_span),
        east=min(180.0, point.longitude + longitude_span),
    )


def distance_km(point: Point) -> CombinedExpression:
    """Great-circle distance from `point` to each row, in km (spherical law of cosines; `Least`
    keeps rounding from pushing the cosine past 1 for a row at the very point)."""
    latitude = Radians(F("latitude"))
    origin_latitude = math.radians(point.latitude)
    cosine = Cos(Value(origin_latitude)) * Cos(latitude) * Cos(
        Radians(F("longitude")) - Value(math.radians(point.longitude))
    ) + Sin(Value(origin_latitude)) * Sin(latitude)
    return Value(EARTH_RADIUS_KM) * ACos(Least(Value(1.0), cosine), output_field=FloatField())


class LlToEarth(Func):
    function = "ll_to_earth"
    output_field = FloatField()  # a `cube`; never read back into Python


class EarthBox(Func):
    function = "earth_box"
    output_field = FloatField()


class CubeContains(Func):
    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def earth_box_q(point: Point, radius_km: float) -> CubeContains:
    """The indexed pre-filter on PostgreSQL: the very expression of the GiST index
    (`ll_to_earth(latitude, longitude)`), inside a cube a little larger than the circle
    (earthdistance's Earth radius differs from ours by 0.1%)."""
    return CubeContains(
        EarthBox(
            LlToEarth(Value(point.latitude), Value(point.longitude)),
            Value(radius_km * 1000 * 1.01),
        ),
        LlToEarth(F("latitude"), F("longitude")),
    )


def box_q(box: BoundingBox) -> Q:
    return Q(
        latitude__gte=box.south,
        latitude__lte=box.north,
        longitude__gte=box.west,
        longitude__lte=box.east,
    )


def within(queryset: QuerySet[ModelT], point: Point, radius_km: float) -> QuerySet[ModelT]:
    """Rows within `radius_km` of `point`, nearest first, each with `distance_km`."""
    check_radius(radius_km)
    rows = queryset.filter(box_q(bounding_box(point, radius_km)))
    if connection.vendor == "postgresql":
        rows = rows.filter(earth_box_q(point, radius_km))
    # `annotate` loses the row type in django-stubs; the rows are still `ModelT`s.
    return cast(
        "QuerySet[ModelT]",
        rows.annotate(distance_km=distance_km(point))
        .filter(distance_km__lte=radius_km)
        .order_by("distance_km", "pk"),
    )


def in_window(queryset: QuerySet[ModelT], box: BoundingBox) -> QuerySet[ModelT]:
    return queryset.filter(box_q(box))


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, ROUNDED_DECIMALS)


def tile_origin() -> str:
    """The map tile server's origin, for the Content-Security-Policy's img-src ("" when none)."""
    parts = urlsplit(settings.MAP_TILE_URL)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    # "{s}.tile.example.org" names several hosts: allow them all.
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
