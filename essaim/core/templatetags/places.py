"""The map under a list of places: `{% place_map rows %}`.

`rows` are `Placed` objects the view already scoped to what the person may see; `rounded`
(mutual-aid listings) rounds each point to about a kilometre on top of their commune-only
storage. The list the map sits under is the page's content: without JavaScript it is all
there is.
"""

from collections.abc import Iterable
from typing import Any

from django import template
from django.conf import settings
from django.utils import formats, timezone

from essaim.core.models import Placed
from essaim.core.places import rounded as round_coordinate

register = template.Library()


def marker_for(row: Placed, *, rounded: bool = False) -> dict[str, Any]:
    latitude, longitude = row.latitude, row.longitude
    if rounded:
        latitude, longitude = round_coordinate(latitude), round_coordinate(longitude)
    starts_at = getattr(row, "starts_at", None)
    return {
        "latitude": latitude,
        "longitude": longitude,
        "title": str(row),
        "url": row.get_absolute_url() if hasattr(row, "get_absolute_url") else "",
        "meta": formats.date_format(timezone.localtime(starts_at), "SHORT_DATETIME_FORMAT")
        if starts_at
        else "",
    }


@register.inclusion_tag("core/_map.html")
def place_map(
    rows: Iterable[Placed], map_name: str = "place-map", rounded: bool = False
) -> dict[str, Any]:
    return {
        "markers": [marker_for(row, rounded=rounded) for row in rows if row.has_point],
        "map_name": map_name,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
