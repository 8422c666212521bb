from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from PIL import Image

from essaim.accounts.models import User


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to e-mail and password."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("Shown to others instead of your e-mail address, which stays private."),
    )

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a display name."))
        return name

    def signup(self, request: HttpRequest, user: User) -> None:
        # The adapter has already set the name and handle; nothing left to store here.
        return None


AVATAR_MAX_BYTES = 2 * 1024 * 1024
AVATAR_MAX_PIXELS = 4000
AVATAR_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=80)
    bio = forms.CharField(
        label=_("About you"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is allowed."),
    )
    city = forms.CharField(label=_("City"), max_length=80, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a display name."))
        return name

    def clean_avatar(self) -> UploadedFile | None:
        """Trust the bytes, not the name or the browser's content type."""
        upload: UploadedFile | None = self.cleaned_data.get("avatar")
        if not upload:
            return None
        if upload.size and upload.size > AVATAR_MAX_BYTES:
            raise forms.ValidationError(_("This image is larger than 2 MB."))
        try:
            with Image.open(upload) as image:
                image_format = image.format or ""
                width, height = image.size
                image.verify()
        except (OSError, SyntaxError, Image.DecompressionBombError) as error:
            raise forms.ValidationError(_("This file is not an image we can read.")) from error
        if image_format not in AVATAR_FORMATS:
            raise forms.ValidationError(_("Please upload a JPEG, PNG or WebP image."))
        if width > AVATAR_MAX_PIXELS or height > AVATAR_MAX_PIXELS:
            raise forms.ValidationError(_("This image is too large (at most 4000 × 4000 pixels)."))
        upload.seek(0)
        upload.content_type = AVATAR_FORMATS[image_format]
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
