from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "CHF": "CHF"}


@register.filter
def money(minor_units: int | None, currency: str = "EUR") -> str:
    """12345, "EUR" → "123,45 €" in French, "123.45 €" in English."""
    amount = Decimal(minor_units or 0) / 100
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, places, force_grouping=True)} {SYMBOLS.get(currency, currency)}"
