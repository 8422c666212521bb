from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.core.images import clean_image


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
    home_area = forms.CharField(
        label=_("Home area"),
        max_length=80,
        required=False,
        help_text=_(
            "A commune or a postcode: what is near you starts from it. "
            "Private: nobody else sees it."
        ),
    )
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
        return clean_image(self.cleaned_data.get("avatar"))


class FederationForm(forms.Form):
    federated = forms.BooleanField(
        label=_("Be on the fediverse"),
        required=False,
        help_text=_(
            "People on Mastodon, Mobilizon and other servers can find you as @handle, follow "
            "you, and see your public posts in public communities under your name."
        ),
    )


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
