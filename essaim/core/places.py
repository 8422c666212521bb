"""Distances and map windows over any `Placed` model, alike on SQLite and PostgreSQL.

"Within N km" first keeps the rows inside a bounding box, then computes the great-circle
distance for those alone and keeps the ones within the radius, nearest first. On SQLite the box
is a range on the (latitude, longitude) index and the order is the distance, then the id. On
PostgreSQL each row's point is a `cube` on the unit sphere (`unit_cube`), which a GiST index of
each app holds (`essaim.core.earthdistance.sphere_index`): the box is a cube around the point
and the order is the straight-line distance `<->`, which grows with the great-circle distance
and which the index can return nearest first by itself (reading only as many rows as the query
asks for, when the planner takes that road; see the README's benchmark). Rows at the very same
distance (listings of one commune share its point) come in the index's order there.
"""

import math
from dataclasses import dataclass
from typing import Any, TypeVar, cast
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


class UnitCube(Func):
    """A point of the unit sphere as a `cube` (x, y, z). The GiST index of each app's
    `sphere_index` migration is on this very expression of the row's latitude and longitude.
    Unlike earthdistance's `ll_to_earth`, whose `earth` domain check made each call about ten
    times dearer, it is plain arithmetic, so sorting thousands of rows by it stays cheap."""

    template = "cube(ARRAY[%(expressions)s])"
    output_field = FloatField()  # a `cube`; never read back into Python


def unit_cube(latitude: Any, longitude: Any) -> UnitCube:
    return UnitCube(
        Cos(Radians(latitude)) * Cos(Radians(longitude)),
        Cos(Radians(latitude)) * Sin(Radians(longitude)),
        Sin(Radians(latitude)),
    )


class CubeEnlarge(Func):
    """`cube_enlarge(c, r, 3)`: the cube `c` grown by `r` on each side of its three axes."""

    function = "cube_enlarge"
    output_field = FloatField()


class CubeContains(Func):
    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class CubeDistance(Func):
    """`cube <-> cube`, the straight line between two points of the sphere: it grows with the
    great-circle distance, and the GiST index returns rows nearest first by it (K nearest
    neighbours), reading only as many as the query takes."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


def chord(radius_km: float) -> float:
    """The straight-line distance on the unit sphere between two points `radius_km` apart."""
    return 2 * math.sin(min(math.pi, radius_km / EARTH_RADIUS_KM) / 2)


def sphere_box_q(point: Point, radius_km: float) -> CubeContains:
    """The indexed pre-filter on PostgreSQL: a cube around the point, `chord(radius)` on each
    side (a point that near differs by no more on any axis), holding every row's `unit_cube`
    within the radius; a hair larger so rounding never drops a row at the very edge."""
    side = chord(radius_km) * 1.0001 + 1e-12
    return CubeContains(
        CubeEnlarge(unit_cube(Value(point.latitude), Value(point.longitude)), side, 3),
        unit_cube(F("latitude"), F("longitude")),
    )


def nearest_first(point: Point) -> CubeDistance:
    """The order the GiST index gives by itself on PostgreSQL."""
    return CubeDistance(
        unit_cube(F("latitude"), F("longitude")),
        unit_cube(Value(point.latitude), Value(point.longitude)),
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
    if connection.vendor == "postgresql":
        # `latitude IS NOT NULL` lets the planner use the partial index, which holds no row
        # without a point.
        rows = queryset.filter(sphere_box_q(point, radius_km), latitude__isnull=False)
        order = [nearest_first(point).asc()]
    else:
        rows = queryset.filter(box_q(bounding_box(point, radius_km)))
        order = [F("distance_km").asc(), F("pk").asc()]
    # `annotate` loses the row type in django-stubs; the rows are still `ModelT`s.
    return cast(
        "QuerySet[ModelT]",
        rows.annotate(distance_km=distance_km(point))
        .filter(distance_km__lte=radius_km)
        .order_by(*order),
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
