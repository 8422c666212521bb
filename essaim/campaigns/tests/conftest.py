"""Campaigns' test set-up: `no_minimum_time` lets a test send the form without an account
the moment it is shown (a person waits `CAMPAIGNS_GUEST_MIN_SECONDS`; a test need not)."""

from typing import Any

import pytest


@pytest.fixture
def no_minimum_time(settings: Any) -> None:
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0
