"""The one rule for dates people type (a campaign's, a challenge's, an event's): within ten
years of today either way. A date picker lets anyone send 0001-01-01 or 9999-12-31; such a date
breaks ordering, countdowns and calendars without being a mistake anyone means. Services check
it (every door: pages, htmx, API); forms use the same check as a field validator, so the error
shows beside the field."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError as FieldError
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.core.errors import ValidationError

YEARS_AROUND = 10


def check_plausible_date(value: date | datetime | None) -> None:
    """ValidationError unless `value` (a date or an aware datetime) is within YEARS_AROUND
    years of today; None (an optional date left empty) passes."""
    if value is None:
        return
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    today = timezone.localdate()
    span = timedelta(days=365 * YEARS_AROUND + YEARS_AROUND // 4)
    if not today - span <= day <= today + span:
        raise ValidationError(
            _("Choose a date within %(years)d years of today.") % {"years": YEARS_AROUND}
        )


def plausible_date(value: date | datetime | None) -> None:
    """The same rule as a form field validator."""
    try:
        check_plausible_date(value)
    except ValidationError as error:
        raise FieldError(error.message, code="implausible_date") from error
