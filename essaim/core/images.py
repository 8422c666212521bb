"""Checking uploaded images: the bytes decide, not the file name or the browser's type."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

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
