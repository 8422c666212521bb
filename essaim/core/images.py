"""Checking uploaded images: the bytes decide, not the file name or the browser's type."""

import io
import re
import secrets
from typing import Any

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000
COVER_ALT_MAX_LENGTH = 200


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


def cover_replace(instance: Any, upload: UploadedFile, *, stem: str) -> None:
    """Give `instance` (a model with a `cover` ImageField) the cover `upload`, stored by
    `store_cover`; the caller saves the instance. The old cover's files go once the change
    is committed, so a rolled-back change still has its picture."""
    old = instance.cover.name if instance.cover else ""
    instance.cover.name = store_cover(
        upload, folder=timezone.now().strftime("covers/%Y/%m"), stem=slugify(stem)[:40] or "cover"
    )
    if old:
        transaction.on_commit(lambda: delete_cover(old))


class CoverFields(forms.Form):
    """A cover picture and its description, for the forms of campaigns, events and
    communities: the description is required with a picture, for people who cannot see it."""

    cover = forms.FileField(
        label=gettext_lazy("Cover image"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG or WebP, at most 2 MB. Shown cropped to a wide frame."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    cover_alt = forms.CharField(
        label=gettext_lazy("Describe the picture"),
        max_length=COVER_ALT_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("What it shows, in a sentence, for people who cannot see it."),
    )
    # Whether the instance already has a cover (set by the view): then a description is
    # needed even when no new picture comes with this form.
    has_cover = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After the form's own fields, whatever the form declares.
        others = [name for name in self.fields if name not in ("cover", "cover_alt")]
        self.order_fields([*others, "cover", "cover_alt"])

    def clean_cover(self) -> UploadedFile | None:
        return clean_image(self.cleaned_data.get("cover"))

    def clean_cover_alt(self) -> str:
        alt: str = self.cleaned_data.get("cover_alt", "").strip()
        if not alt and (self.files.get(self.add_prefix("cover")) or self.has_cover):
            raise forms.ValidationError(_("Please describe the picture."))
        return alt
