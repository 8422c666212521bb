"""The buttons a push carries: "done today" on a challenge prompt, and keeping or giving back
a freed place at an event; forged, altered or stale buttons are refused."""

from datetime import timedelta

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CheckIn
from essaim.campaigns.services import events
from essaim.notifications import push
from essaim.notifications.models import Notification
from essaim.notifications.tests.push.support import (
    NBSP,
    Kind,
    button,
    challenge_prompt,
    freed_place,
    send_due,
    subscribe,
)
from essaim.notifications.tests.push_receiver import Device

pytestmark = pytest.mark.django_db


def test_done_today_checks_in_once_and_not_the_next_day(client, service, midday):
    person = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/c")
    subscribe(client, person, device)
    client.logout()  # the button works without a session
    challenge = challenge_prompt(person, midday)
    send_due()
    [received] = service.received
    message = device.decrypt(received.body)
    assert message["body"] == (
        f"Le défi du jour pour «{NBSP}{challenge.campaign.title}{NBSP}»{NBSP}: Ramasser 10 déchets"
    )
    [action] = message["actions"]
    assert action["action"] == "done"
    assert action["title"] == "Fait aujourd’hui"
    done_url = action["post"].removeprefix("http://127.0.0.1:8000")

    first = client.post(done_url)
    assert first.status_code == 200
    assert first.json() == {
        "title": challenge.campaign.title,
        "detail": f"Journée validée{NBSP}: bravo{NBSP}!",
        "created": True,
    }
    again = client.post(done_url)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert CheckIn.objects.filter(participant__user=person).count() == 1

    # Kept and pressed the next day: refused, and no check-in for that day.
    midday.advance(days=1)
    replay = client.post(done_url)
    assert replay.status_code == 400
    assert "détail" not in replay.json()
    assert replay.json()["detail"].startswith("Ce bouton était pour un autre jour")
    assert list(
        CheckIn.objects.filter(participant__user=person).values_list("date", flat=True)
    ) == [midday.now.date() - timedelta(days=1)]


def test_a_forged_or_altered_done_button_is_refused(client, service, midday):
    person = UserFactory.create()
    subscribe(client, person, Device(endpoint=f"{service.url}/push/f"))
    challenge_prompt(person, midday)
    send_due()
    forged = client.post(reverse("notifications:push_done", args=["not-a-token"]))
    assert forged.status_code == 404
    assert "detail" in forged.json()
    assert client.get(reverse("notifications:push_done", args=["x"])).status_code == 405
    assert CheckIn.objects.count() == 0


def test_a_freed_place_is_pushed_with_a_keep_and_a_give_back_button(client, service, midday):
    event, _first, _second, message = freed_place(client, service, midday)
    assert message["body"] == (
        f"Une place s’est libérée{NBSP}: vous participez désormais à «{NBSP}{event.title}{NBSP}» "
        "le 13 juin 2026 12:00."
    )
    assert message["url"] == f"http://127.0.0.1:8000{event.get_absolute_url()}"
    assert [(entry["action"], entry["title"]) for entry in message["actions"]] == [
        ("keep", "Je viens"),
        ("release", "Je ne peux pas venir"),
    ]


def test_a_freed_place_written_before_its_buttons_keeps_a_link(client, service, midday):
    """A notice written before notices named the answer has no token: a link to the place."""
    event, _first, second, message = freed_place(client, service, midday)
    notice = Notification.objects.get(user=second, kind=Kind.EVENT_PROMOTED)
    notice.params = {"event": event.title, "when": event.starts_at.isoformat()}
    notice.save(update_fields=["params"])
    assert push.message_for(notice, second)["actions"] == [
        {"action": "open", "title": "Voir ma place", "url": message["url"]}
    ]


def test_i_cannot_come_gives_the_place_to_the_next_person_once(client, service, midday):
    event, first, second, message = freed_place(client, service, midday)
    third = UserFactory.create()
    events.rsvp_create(user=third, event=event)
    release = button(message, "release")

    answer = client.post(release)
    assert answer.status_code == 200
    assert answer.json() == {
        "title": event.title,
        "detail": "Votre place va à la personne suivante sur la liste d'attente. "
        "Merci de l'avoir signalé.",
        "created": True,
    }
    statuses = dict(event.rsvps.values_list("user_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "cancelled", third.pk: "confirmed"}

    again = client.post(release)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["detail"] == "Vous aviez déjà rendu votre place."
    assert dict(event.rsvps.values_list("user_id", "status")) == statuses
    # "I'm coming" after giving it back: refused, and nothing changes.
    kept = client.post(button(message, "keep"))
    assert kept.status_code == 400
    assert dict(event.rsvps.values_list("user_id", "status")) == statuses


def test_i_am_coming_keeps_the_place_and_writes_nothing(client, service, midday):
    event, _first, _second, message = freed_place(client, service, midday)
    before = list(event.rsvps.order_by("pk").values_list("user_id", "status", "updated_at"))
    for _press in range(2):
        answer = client.post(button(message, "keep"))
        assert answer.status_code == 200
        assert answer.json() == {
            "title": event.title,
            "detail": f"Votre place est gardée{NBSP}: à bientôt{NBSP}!",
            "created": False,
        }
    assert list(event.rsvps.order_by("pk").values_list("user_id", "status", "updated_at")) == (
        before
    )


def test_a_give_back_button_does_nothing_to_a_later_answer(client, service, midday):
    """Replayed: the person gave the place back by the site, then answered again (queued at
    a new position); the old button must not cancel the new answer."""
    event, _first, second, message = freed_place(client, service, midday)
    events.rsvp_cancel(user=second, event=event)
    again = events.rsvp_create(user=second, event=event)
    assert again.status == "confirmed"
    for action in ("release", "keep"):
        replay = client.post(button(message, action))
        assert replay.status_code == 400
        assert replay.json()["detail"].startswith("Vous avez répondu à nouveau")
    again.refresh_from_db()
    assert again.status == "confirmed"


def test_a_freed_place_button_stops_working_when_the_event_starts(client, service, midday):
    event, _first, second, message = freed_place(client, service, midday)
    midday.advance(days=3)
    for action in ("release", "keep"):
        late = client.post(button(message, action))
        assert late.status_code == 400
        assert late.json()["detail"].startswith("Cet événement a commencé")
    assert event.rsvps.get(user=second).status == "confirmed"


@pytest.mark.parametrize("choice", ["keep", "release", "other"])
def test_a_forged_freed_place_button_is_refused(client, service, midday, choice):
    event, _first, second, message = freed_place(client, service, midday)
    token = button(message, "release").rstrip("/").rsplit("/", 1)[1]
    for forged in (
        reverse("notifications:push_place", args=[choice, token + "x"]),
        reverse("notifications:push_place", args=["other", token]),
    ):
        answer = client.post(forged)
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Ce bouton n'est plus valable."}
    assert client.get(button(message, "release")).status_code == 405
    assert event.rsvps.get(user=second).status == "confirmed"
