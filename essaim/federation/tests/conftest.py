"""Federation's test set-up: the instance is https://essaim.test, a peer on localhost may be
reached over plain HTTP (FEDERATION_ALLOW_HOSTS), the cache starts empty."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from essaim.federation.tests.peer import Peer, running_peer


@pytest.fixture(autouse=True)
def federation_settings(settings: Any) -> None:
    settings.SITE_URL = "https://essaim.test"
    settings.SITE_URL_FROM_REQUEST = False
    settings.FEDERATION_ALLOW_HOSTS = ["localhost"]
    cache.clear()


@pytest.fixture
def peer() -> Iterator[Peer]:
    with running_peer() as running:
        running.add_actor("alice")
        yield running
