"""The "near" part of search forms: a place people type and a distance."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.core.errors import ValidationError
from essaim.core.geocoding import locate
from essaim.core.places import DEFAULT_RADIUS_KM, Point, check_radius


class NearForm(forms.Form):
    """`near` (a postcode or a commune) and `radius` in km. When valid with a place,
    `cleaned_data["point"]` is its Point and `cleaned_data["place_label"]` its name; without
    one, `point` is None (or the person's home area, given as `home`)."""

    near = forms.CharField(
        label=_("Near"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Postcode or commune")}),
    )
    radius = forms.FloatField(label=_("Within (km)"), required=False, initial=DEFAULT_RADIUS_KM)

    def __init__(self, *args: Any, home: Point | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.home = home

    def clean_radius(self) -> float:
        radius = self.cleaned_data.get("radius")
        if radius is None:
            return DEFAULT_RADIUS_KM
        try:
            return check_radius(radius)
        except ValidationError as error:
            raise forms.ValidationError(error.message) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        near = (data.get("near") or "").strip()
        data["point"], data["place_label"] = self.home, ""
        if near:
            try:
                found = locate(near)
            except ValidationError as error:
                self.add_error("near", error.message)
                return data
            data["point"] = Point(found.latitude, found.longitude)
            data["place_label"] = found.label
        return data
