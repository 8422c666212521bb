"""The one drawing of the picture a shared link previews with (Open Graph / Twitter card,
1200 × 630): campaigns, events and communities each say what to write, this draws it with
Pillow — no outside service, no font file to ship (Pillow's own scalable font)."""

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
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
