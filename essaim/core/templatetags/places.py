"""The map under a list of places: `{% place_map markers %}`.

`markers` is a list of dicts (`latitude`, `longitude`, `title`, `url`, optional `meta`) that the
view built from rows the person may see, with a listing's point already rounded. The list the
map sits under is the page's content: without JavaScript it is all there is.
"""

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("core/_map.html")
def place_map(markers: list[dict[str, Any]], map_id: str = "place-map") -> dict[str, Any]:
    return {
        "markers": [marker for marker in markers if marker.get("latitude") is not None],
        "map_id": map_id,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
