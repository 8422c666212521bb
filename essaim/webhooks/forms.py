import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.webhooks.models import SUBSCRIBABLE


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Receiver address"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/essaim-webhook"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(event.value, event.label) for event in SUBSCRIBABLE],
        initial=[event.value for event in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )


class PingForm(forms.Form):
    # Generated with the page: the same form submitted twice is one ping.
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
