"""The app's icons, drawn by code (the favicon's honeycomb cell), so no binary image is kept in
the repository and every size an installed app asks for is sharp."""

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw

HONEY = "#f2b01e"
INK = "#1f1a10"
CORE = "#3a2a00"
# Sizes the manifest offers: 192 and 512 are what installability asks for.
SIZES = (192, 512)
# Drawn this many times larger, then scaled down: Pillow's polygons have no anti-aliasing.
SUPERSAMPLE = 4


@lru_cache(maxsize=8)
def icon_png(size: int, *, maskable: bool = False) -> bytes:
    """A square PNG: the honey hexagon with its dark core on the ink background. A maskable
    icon keeps the hexagon inside the central 80 % circle that every launcher mask leaves
    visible; the plain one fills more of the square."""
    big = size * SUPERSAMPLE
    image = Image.new("RGB", (big, big), INK)
    draw = ImageDraw.Draw(image)
    centre = big / 2
    radius = big * (0.36 if maskable else 0.46)
    hexagon = [
        (
            centre + radius * math.cos(math.radians(90 + 60 * corner)),
            centre + radius * math.sin(math.radians(90 + 60 * corner)),
        )
        for corner in range(6)
    ]
    draw.polygon(hexagon, fill=HONEY)
    core = radius * 0.32
    draw.ellipse((centre - core, centre - core, centre + core, centre + core), fill=CORE)
    output = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(output, format="PNG", optimize=True)
    return output.getvalue()
