"""Webhooks' test set-up: receivers on 127.0.0.1 are allowed (WEBHOOKS_ALLOW_HTTP_HOSTS), the
cache starts empty, `receiver` is a real receiver running for the test, and `campaign` a live
campaign with a pledge."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from essaim.campaigns.models import Campaign
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.webhooks.tests.receiver import Receiver, running_receiver


@pytest.fixture(autouse=True)
def local_receivers(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    cache.clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def campaign(db: None) -> Campaign:
    return PledgeFactory.create().campaign
