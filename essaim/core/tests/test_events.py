from typing import Any

import pytest
from django.db import transaction

from essaim.core.events import Event, declared


@pytest.fixture
def event(request: pytest.FixtureRequest) -> Event:
    return Event(f"tests.{request.node.name}")


@pytest.mark.django_db(transaction=True)
def test_in_transaction_subscribers_run_at_once_and_after_commit_ones_on_commit(
    event: Event,
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    event.subscribe(lambda **payload: calls.append(("now", payload)))
    event.subscribe(lambda **payload: calls.append(("after", payload)), after_commit=True)

    with transaction.atomic():
        event.publish(campaign_id=3)
        assert calls == [("now", {"campaign_id": 3})]
    assert calls == [("now", {"campaign_id": 3}), ("after", {"campaign_id": 3})]


@pytest.mark.django_db(transaction=True)
def test_after_commit_subscribers_do_not_run_when_the_fact_rolls_back(event: Event) -> None:
    calls: list[int] = []
    event.subscribe(lambda **payload: calls.append(payload["n"]), after_commit=True)

    with pytest.raises(RuntimeError), transaction.atomic():
        event.publish(n=1)
        raise RuntimeError("rolled back")
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_subscriber_does_not_stop_the_others(
    event: Event, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def broken(**payload: Any) -> None:
        raise ValueError("broken")

    event.subscribe(broken, after_commit=True)
    event.subscribe(lambda **payload: calls.append(payload["n"]), after_commit=True)
    event.publish(n=7)
    assert calls == [7]
    assert "event subscriber failed" in caplog.text


def test_subscribing_twice_registers_once_and_names_are_unique(event: Event) -> None:
    def handler(**payload: Any) -> None:
        pass

    event.subscribe(handler)
    event.subscribe(handler)
    assert event.subscribers() == [handler]
    assert event in declared()
    with pytest.raises(ValueError, match="declared twice"):
        Event(event.name)
