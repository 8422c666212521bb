"""Checking uploaded images: the bytes decide, not the file name or the browser's type."""

import io
import re
import secrets

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000


def clean_image(upload: UploadedFile | None) -> UploadedFile | None:
    """For a form's clean_<field>(): a readable JPEG, PNG or WebP of at most 2 MB and
    4000 × 4000 pixels, with its content type set from what Pillow read; else a form error."""
    if not upload:
        return None
    if upload.size and upload.size > MAX_BYTES:
        raise forms.ValidationError(_("This image is larger than 2 MB."))
    try:
        with Image.open(upload) as image:
            image_format = image.format or ""
            width, height = image.size
            image.verify()
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise forms.ValidationError(_("This file is not an image we can read.")) from error
    if image_format not in IMAGE_FORMATS:
        raise forms.ValidationError(_("Please upload a JPEG, PNG or WebP image."))
    if width > MAX_PIXELS or height > MAX_PIXELS:
        raise forms.ValidationError(_("This image is too large (at most 4000 × 4000 pixels)."))
    upload.seek(0)
    upload.content_type = IMAGE_FORMATS[image_format]
    return upload


def extension_for(upload: UploadedFile) -> str:
    return EXTENSIONS.get(upload.content_type or "", "img")


# Covers (campaigns, events, communities) are stored as WebP at these widths, none wider than
# the upload: a phone loads the 480 px one, a wide screen the largest.
COVER_WIDTHS = (480, 960, 1600)
COVER_QUALITY = 80
_VARIANT = re.compile(r"^(?P<base>.+)_(?P<width>\d+)x(?P<height>\d+)\.webp$")


def _variant_name(base: str, width: int, height: int) -> str:
    return f"{base}_{width}x{height}.webp"


def store_cover(upload: UploadedFile, *, folder: str, stem: str) -> str:
    """Re-encode a checked upload (`clean_image`) as WebP at each of COVER_WIDTHS it allows,
    turned upright from its EXIF orientation and with every piece of metadata left behind
    (camera, place, date: a cover is public). Returns the largest's storage name, the one the
    model's field keeps; the others are named after it (`cover_variants`)."""
    upload.seek(0)
    with Image.open(upload) as opened:
        upright = ImageOps.exif_transpose(opened)
        if upright.mode in ("RGBA", "LA", "P"):
            flat = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:
            flat = upright.convert("RGB")
    # A new image from the pixels alone: nothing of the upload's info (EXIF, XMP, ICC, comments).
    pixels = Image.frombytes("RGB", flat.size, flat.tobytes())
    width, height = pixels.size
    largest = min(width, COVER_WIDTHS[-1])
    widths = [w for w in COVER_WIDTHS if w < largest] + [largest]
    base = f"{folder.rstrip('/')}/{stem}-{secrets.token_hex(4)}"
    names = []
    for target in reversed(widths):
        target_height = max(1, round(height * target / width))
        resized = (
            pixels
            if target == width
            else pixels.resize((target, target_height), Image.Resampling.LANCZOS)
        )
        buffer = io.BytesIO()
        resized.save(buffer, format="WEBP", quality=COVER_QUALITY, method=4)
        names.append(
            default_storage.save(
                _variant_name(base, target, target_height), ContentFile(buffer.getvalue())
            )
        )
    return names[0]


def cover_variants(name: str) -> list[tuple[str, int, int]]:
    """(storage name, width, height) of each stored width of the cover whose largest is
    `name`, narrowest first; [] for a file not stored by `store_cover` (an older upload)."""
    match = _VARIANT.match(name)
    if match is None:
        return []
    base, width, height = match["base"], int(match["width"]), int(match["height"])
    variants = [
        (
            _variant_name(base, w, max(1, round(height * w / width))),
            w,
            max(1, round(height * w / width)),
        )
        for w in COVER_WIDTHS
        if w < width
    ]
    return [*variants, (name, width, height)]


def delete_cover(name: str) -> None:
    """Every stored width of the cover `name`."""
    for variant in [row[0] for row in cover_variants(name)] or [name]:
        default_storage.delete(variant)
