"""The demo's pictures, drawn here with Pillow (no photo shipped, no licence to track): each
live campaign and the larger communities get a cover in their colours — a gradient, a
honeycomb and a swarm — stored as any upload is (`core.images.store_cover`). The demo's
content is in French, its pictures' descriptions too."""

import io
import math
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from essaim.campaigns.models import Campaign
from essaim.communities.models import Community
from essaim.core.images import store_cover

WIDTH, HEIGHT = 1600, 900
# The two colours of each cause, as the stylesheet's default covers (.cause-*).
CAUSE_COLOURS = {
    "environment": ("#1b5e20", "#66bb6a"),
    "solidarity": ("#8a4b00", "#f2b01e"),
    "refugees": ("#0d47a1", "#4fc3f7"),
    "health": ("#a0153e", "#f48fb1"),
    "education": ("#4a148c", "#ba68c8"),
    "rights": ("#7f1d1d", "#ef5350"),
    "culture": ("#134e4a", "#4db6ac"),
    "other": ("#374151", "#9ca3af"),
}
COMMUNITY_PICTURES = 8


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def draw_cover(rng: random.Random, dark: str, light: str) -> bytes:
    top, bottom = _rgb(dark), _rgb(light)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        mix = y / HEIGHT
        draw.line(
            [(0, y), (WIDTH, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    layer = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(layer)
    radius = 70
    for row in range(-1, HEIGHT // radius + 2):
        for column in range(-1, WIDTH // radius + 2):
            if rng.random() > 0.35:
                continue
            cx = column * radius * 1.75 + (row % 2) * radius * 0.87
            cy = row * radius * 1.5
            corners = [
                (cx + radius * math.cos(math.pi / 3 * k), cy + radius * math.sin(math.pi / 3 * k))
                for k in range(6)
            ]
            shapes.polygon(corners, outline=(255, 255, 255, 90), width=4)
    for _bee in range(rng.randrange(30, 60)):
        x, y, size = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randrange(6, 22)
        shapes.ellipse((x, y, x + size, y + size), fill=(255, 214, 102, rng.randrange(120, 230)))
    image = Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("demo.png", data, content_type="image/png")


def create_pictures(rng: random.Random) -> int:
    """Covers for the live campaigns and the largest communities; how many were drawn."""
    drawn = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.LIVE).order_by("pk"):
        dark, light = CAUSE_COLOURS.get(campaign.category, CAUSE_COLOURS["other"])
        campaign.cover.name = store_cover(
            _upload(draw_cover(rng, dark, light)), folder="covers/demo", stem=campaign.slug
        )
        campaign.cover_alt = "Des alvéoles et des abeilles aux couleurs de la cause"
        campaign.save(update_fields=["cover", "cover_alt"])
        drawn += 1
    palettes = list(CAUSE_COLOURS.values())
    for index, community in enumerate(
        Community.objects.filter(visibility=Community.Visibility.PUBLIC).order_by("pk")[
            :COMMUNITY_PICTURES
        ]
    ):
        dark, light = palettes[index % len(palettes)]
        community.cover.name = store_cover(
            _upload(draw_cover(rng, dark, light)), folder="covers/demo", stem=community.slug
        )
        community.cover_alt = "Des alvéoles et des abeilles"
        community.save(update_fields=["cover", "cover_alt"])
        drawn += 1
    return drawn
