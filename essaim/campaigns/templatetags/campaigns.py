from decimal import Decimal

from django import template
from django.utils.formats import number_format

from essaim.campaigns.guest_forms import GuestSignForm
from essaim.campaigns.models import Campaign

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "CHF": "CHF"}


@register.filter
def money(minor_units: int | None, currency: str = "EUR") -> str:
    """12345, "EUR" → "123,45 €" in French, "123.45 €" in English."""
    amount = Decimal(minor_units or 0) / 100
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, places, force_grouping=True)} {SYMBOLS.get(currency, currency)}"


@register.filter
def unit_beside(unit: str, measure: str) -> str:
    """The unit to write between a quantity and its measure, or "" when the measure already
    names it: 401 "sacs" of "sacs remplis" reads "401 sacs remplis", not "401 sacs sacs
    remplis" (the form asks for both, and people repeat the unit)."""
    first = (measure.split() or [""])[0].casefold()
    bare = unit.strip().casefold()
    if bare and first in {bare, bare + "s", bare + "x"} | (
        {bare[:-1]} if bare.endswith("s") else set()
    ):
        return ""
    return unit


@register.simple_tag
def guest_sign_form(campaign: Campaign, kind: str = "sign") -> GuestSignForm:
    """The one-step form for a visitor without an account, blank (views.guest renders it
    again with its errors); `kind`: sign, join or rsvp."""
    return GuestSignForm(campaign=campaign, kind=kind)
