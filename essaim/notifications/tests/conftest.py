"""A clock the outbox tests move by hand: backoffs and leases are minutes long."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """`timezone.now()` everywhere (the outbox, auto_now fields) reads this clock."""
    moment = Clock(now=timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", lambda: moment.now)
    return moment


@pytest.fixture
def yesterday() -> date:
    """Read when the test runs, not when the module is imported (a run across midnight)."""
    return timezone.localdate() - timedelta(days=1)
