"""The shared lookups every click reads (`core.cache.read_through`): each process's own copy,
then the shared cache, then the database; forgotten by the writes that change them."""

from collections.abc import Callable

import pytest
from django.core.cache import cache, caches
from django.db import transaction

from essaim.core.cache import forget, read_through


def counted(value: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def fill() -> object:
        calls.append(1)
        return value

    return calls, fill


def test_a_value_is_filled_once_then_read_from_the_process_then_from_the_shared_copy():
    calls, fill = counted({"count": 3})
    assert read_through("k", fill, seconds=30) == {"count": 3}
    assert read_through("k", fill, seconds=30) == {"count": 3}
    assert len(calls) == 1
    # Another process (its own copy gone) reads the shared one.
    caches["process"].clear()
    assert read_through("k", fill, seconds=30) == {"count": 3}
    assert len(calls) == 1 and cache.get("k") == {"count": 3}


def test_nothing_found_is_not_kept():
    calls, fill = counted(None)
    assert read_through("k", fill, seconds=30) is None
    assert read_through("k", fill, seconds=30) is None
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_forget_drops_both_copies_now_and_again_at_the_commit():
    _calls, old = counted("old")
    read_through("k", old, seconds=30)
    with transaction.atomic():
        forget("k")
        assert caches["process"].get("k") is None and cache.get("k") is None
        # A reader between the write and its commit keeps the value as it was...
        read_through("k", old, seconds=30)
    # ...and the commit drops it again.
    assert caches["process"].get("k") is None and cache.get("k") is None
    _calls, new = counted("new")
    assert read_through("k", new, seconds=30) == "new"
