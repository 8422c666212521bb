from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.communities.models import Community, Membership
from essaim.core.forms import NearForm


class ListingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I make"), choices=AidListing.Kind.choices, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("Category"), choices=AidListing.Category.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Details"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Markdown is allowed. Never write your address or phone number here: "
            "people reply through a private conversation."
        ),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=120,
        required=False,
        help_text=_("A city or a neighbourhood."),
    )
    community = forms.ModelChoiceField(
        label=_("Where"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("Everyone on Essaim"),
        to_field_name="slug",
    )
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: the listing closes by itself on that day."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Community.objects.filter(
            memberships__user=user, memberships__status=Membership.Status.ACTIVE
        ).order_by("name")

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Please give your listing a title."))
        return title

    def clean_expires_at(self) -> Any:
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        if day <= timezone.localdate():
            raise forms.ValidationError(_("The expiry date must be in the future."))
        # The end of that day, in the instance's time zone.
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class SearchForm(NearForm):
    """The board's filters; `near` and `radius` (NearForm) keep the listings around a place."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Offers and requests")), *AidListing.Kind.choices],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *AidListing.Category.choices],
        required=False,
    )
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    community = forms.SlugField(required=False, widget=forms.HiddenInput)
    closed = forms.BooleanField(label=_("Include closed listings"), required=False)
