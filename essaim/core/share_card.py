"""The one drawing of the picture a shared link previews with (Open Graph / Twitter card,
1200 × 630): campaigns, events and communities each say what to write, this draws it with
Pillow — no outside service, no font file to ship (Pillow's own scalable font)."""

import hashlib
import io
import textwrap
from dataclasses import astuple, dataclass

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
CACHE_SECONDS = 24 * 3600
INK, PAPER, HONEY, GREEN, LINE = "#1f1a14", "#fffdf5", "#f5b82e", "#0b6e4f", "#e8e1d0"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_share_card(
    *, kicker: str, title: str, subtitle: str, figures: str, percent: int | None = None
) -> bytes:
    """A PNG: the site's band with `kicker` (the cause, the campaign), the `title` in large
    type, a `subtitle`, then `figures` over a progress bar at `percent` when there is a goal."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 90), fill=INK)
    draw.text((48, 22), "Essaim", font=_font(44), fill=HONEY)
    if kicker:
        draw.text((260, 30), kicker[:60], font=_font(32), fill=PAPER)
    y = 130
    for line in textwrap.wrap(title, width=32)[:3]:
        draw.text((48, y), line, font=_font(64), fill=INK)
        y += 78
    for line in textwrap.wrap(subtitle, width=62)[:2]:
        draw.text((48, y + 10), line, font=_font(32), fill=INK)
        y += 42
    band_top = HEIGHT - (150 if percent is not None else 110)
    draw.rectangle((0, band_top, WIDTH, HEIGHT), fill=GREEN)
    draw.text((48, band_top + 22), figures, font=_font(48), fill=PAPER)
    if percent is not None:
        left, right, top = 48, WIDTH - 48, HEIGHT - 50
        draw.rounded_rectangle((left, top, right, top + 22), radius=11, fill=LINE)
        filled = left + round((right - left) * max(0, min(percent, 100)) / 100)
        if filled > left:
            draw.rounded_rectangle(
                (left, top, max(filled, left + 22), top + 22), radius=11, fill=HONEY
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@dataclass(frozen=True)
class ShareText:
    """What a preview says; its digest (with the language) versions the picture's address,
    so apps that keep a preview per address fetch a new one once it changes."""

    kicker: str
    title: str
    subtitle: str
    figures: str
    percent: int | None = None

    @property
    def version(self) -> str:
        raw = "|".join(str(value) for value in (*astuple(self), get_language()))
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


def share_card(key: str, text: ShareText) -> bytes:
    """The picture for `text`, drawn once per version and kept a day."""
    cache_key = f"share-card:{key}:{text.version}"
    image: bytes | None = cache.get(cache_key)
    if image is None:
        image = draw_share_card(
            kicker=text.kicker,
            title=text.title,
            subtitle=text.subtitle,
            figures=text.figures,
            percent=text.percent,
        )
        cache.set(cache_key, image, CACHE_SECONDS)
    return image


def share_card_response(image: bytes, *, version: str, asked: str | None) -> HttpResponse:
    """The PNG; the address with the current version (the page links it) shows this picture
    for good, any other (none, an old one) a picture that may change within a minute."""
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={86400 if asked == version else 60}"
    return response
