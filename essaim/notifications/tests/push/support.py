"""What the push tests share: subscribing a device, making notifications and sending
what is due, reading the buttons a push carries."""

import json
import zoneinfo
from datetime import timedelta

from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import ChallengeDay, Participant
from essaim.campaigns.services import events
from essaim.campaigns.tests.factories import ChallengeFactory, EventFactory
from essaim.core import outbox
from essaim.notifications import reminders, services
from essaim.notifications.models import Notification
from essaim.notifications.tests.push_receiver import Device, unb64url

Kind = Notification.Kind
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SUBJECT = "https://essaim.example"
SUBSCRIBE = reverse("notifications:push_subscribe")
UNSUBSCRIBE = reverse("notifications:push_unsubscribe")
NBSP = "\u00a0"


def subscribe(client, user, device: Device, time_zone: str = "Europe/Paris"):
    client.force_login(user)
    return client.post(
        SUBSCRIBE,
        {"subscription": device.subscription_json(), "time_zone": time_zone, "device": "Test"},
        content_type="application/json",
    )


def milestone(user, key="relay:1:5"):
    return services.notify(
        user=user,
        kind=Kind.RELAY_MILESTONE,
        key=key,
        params={"campaign": "Fontaines", "count": 5},
        url="/campaigns/fontaines/",
    )


def send_due() -> int:
    return outbox.dispatch(here=True)


def jwt_claims(authorization: str) -> dict[str, object]:
    # "vapid t=<header.claims.signature>, k=<public key>"
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    claims: dict[str, object] = json.loads(unb64url(token.split(".")[1]))
    return claims


def challenge_prompt(person, midday):
    today = midday.now.date()
    challenge = ChallengeFactory.create(
        starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=5)
    )
    ChallengeDay.objects.create(challenge=challenge, date=today, prompt="Ramasser 10 déchets")
    Participant.objects.create(challenge=challenge, user=person)
    reminders.challenge_prompts(today)
    return challenge


def freed_place(client, service, midday):
    """`second` waits for the one place of an event in three days, which `first` gives back;
    returns the event, both people and the push `second`'s device received."""
    event = EventFactory.create(capacity=1, starts_at=midday.now + timedelta(days=3))
    first = UserFactory.create()
    second = UserFactory.create()
    device = Device(endpoint=f"{service.url}/push/waiting")
    subscribe(client, second, device)
    client.logout()  # the buttons work without a session
    events.rsvp_create(user=first, event=event)
    events.rsvp_create(user=second, event=event)
    events.rsvp_cancel(user=first, event=event)
    send_due()
    [received] = service.received
    return event, first, second, device.decrypt(received.body)


def button(message, action: str) -> str:
    [chosen] = [entry for entry in message["actions"] if entry["action"] == action]
    return str(chosen["post"]).removeprefix("http://127.0.0.1:8000")
