"""The push tests' VAPID keys, push service on the loopback and a clock at midday."""

from collections.abc import Iterator
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from essaim.notifications.tests.push.support import PARIS, SUBJECT
from essaim.notifications.tests.push_receiver import Receiver, push_service


@pytest.fixture
def vapid(settings) -> dict[str, str]:
    """A key pair made by the management command, as an operator would."""
    output = StringIO()
    call_command("push_keys", stdout=output)
    keys = dict(line.split("=", 1) for line in output.getvalue().split())
    settings.PUSH_VAPID_PUBLIC_KEY = keys["PUSH_VAPID_PUBLIC_KEY"]
    settings.PUSH_VAPID_PRIVATE_KEY = keys["PUSH_VAPID_PRIVATE_KEY"]
    settings.PUSH_VAPID_SUBJECT = SUBJECT
    settings.PUSH_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    return keys


@pytest.fixture
def service(vapid) -> Iterator[Receiver]:
    with push_service() as receiver:
        yield receiver


@pytest.fixture
def midday(clock):
    """Wednesday 10 June 2026, 12:00 in Paris: outside the default quiet hours."""
    clock.now = datetime(2026, 6, 10, 12, 0, tzinfo=PARIS)
    return clock
