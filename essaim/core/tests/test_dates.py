"""The one rule for typed dates: within ten years of today."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError as FieldError
from django.utils import timezone

from essaim.core.dates import check_plausible_date, plausible_date
from essaim.core.errors import ValidationError


def _today() -> date:
    return timezone.localdate()


@pytest.mark.parametrize(
    "value",
    [
        date(1, 1, 1),
        date(9999, 12, 31),
        lambda: _today() - timedelta(days=3700),
        lambda: _today() + timedelta(days=3700),
        datetime(1, 1, 2, tzinfo=timezone.get_current_timezone()),
        lambda: timezone.now() + timedelta(days=3700),
    ],
    ids=["year-1", "year-9999", "11-years-ago", "in-11-years", "datetime-year-1", "datetime-far"],
)
def test_dates_far_from_today_are_refused(value):
    value = value() if callable(value) else value
    with pytest.raises(ValidationError):
        check_plausible_date(value)
    with pytest.raises(FieldError):
        plausible_date(value)


@pytest.mark.parametrize(
    "value",
    [
        None,
        lambda: _today(),
        lambda: _today() - timedelta(days=365 * 9),
        lambda: _today() + timedelta(days=365 * 9),
        lambda: timezone.now() + timedelta(days=3),
    ],
    ids=["empty", "today", "9-years-ago", "in-9-years", "datetime-soon"],
)
def test_dates_within_ten_years_pass(value):
    value = value() if callable(value) else value
    check_plausible_date(value)
    plausible_date(value)
