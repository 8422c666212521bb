from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.api.models import AccessToken


class AccessTokenForm(forms.Form):
    """A new personal access token for the API (essaim/api)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_("What the token is for, e.g. “newsletter script”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
    )
