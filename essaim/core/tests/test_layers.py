"""The ways up the layers are wired: every domain event has a subscriber once the apps are
ready (an event nobody hears is a consequence lost since the upward call went)."""

from essaim.core import events


def test_every_declared_event_has_a_subscriber():
    unheard = [
        event.name
        for event in events.declared()
        if not event.name.startswith("tests.") and not event.subscribers()
    ]
    assert unheard == []
