from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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
