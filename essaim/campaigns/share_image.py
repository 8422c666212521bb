"""The picture social networks show when a campaign is shared (1200 × 630, OpenGraph size),
drawn here with Pillow — no outside service — and cached for a few minutes."""

import io
import textwrap

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont

from essaim.campaigns.models import Campaign
from essaim.campaigns.selectors import campaign_summary

WIDTH, HEIGHT = 1200, 630
CACHE_SECONDS = 300
INK, PAPER, HONEY, GREEN = "#1f1a14", "#fffdf5", "#f5b82e", "#0b6e4f"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def share_image(campaign: Campaign) -> bytes:
    key = f"campaign-share:{campaign.pk}:{campaign.updated_at.timestamp()}"
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached
    summary = campaign_summary(campaign)
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 90), fill=INK)
    draw.text((48, 22), "Essaim", font=_font(44), fill=HONEY)
    y = 140
    for line in textwrap.wrap(campaign.title, width=34)[:3]:
        draw.text((48, y), line, font=_font(64), fill=INK)
        y += 80
    for line in textwrap.wrap(campaign.summary, width=60)[:2]:
        draw.text((48, y + 10), line, font=_font(32), fill=INK)
        y += 44
    figures = []
    if summary["signatures"] is not None:
        figures.append(f"{summary['signatures']:,} ✍".replace(",", " "))
    if summary["participants"] is not None:
        figures.append(f"{summary['participants']:,} ★".replace(",", " "))
    if summary["raised"] is not None:
        figures.append(f"{summary['raised'] // 100:,} {summary['currency']}".replace(",", " "))
    draw.rectangle((0, HEIGHT - 110, WIDTH, HEIGHT), fill=GREEN)
    draw.text((48, HEIGHT - 85), "   ·   ".join(figures), font=_font(48), fill=PAPER)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    cache.set(key, data, CACHE_SECONDS)
    return data
