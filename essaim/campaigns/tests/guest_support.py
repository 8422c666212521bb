"""What the tests of acting without an account share: the one-step form's fields, posting it,
sending what the outbox holds, and the confirmation link of an e-mail."""

import re

from django.core import mail
from django.urls import reverse

from essaim.accounts.models import User
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import Campaign, GuestAction, Signature
from essaim.core import outbox
from essaim.core.models import OutboxMessage

ADDRESS = "nour.haddad@exemple.test"


def form_data(**overrides: str) -> dict[str, str]:
    return {
        "name": "Nour Haddad",
        "email": ADDRESS,
        "postcode": "75011",
        "consent": "on",
        "started": started_token(),
        **overrides,
    }


def sign(client, campaign: Campaign, **overrides: str):
    return client.post(
        reverse("campaigns:guest_sign", args=[campaign.slug]), form_data(**overrides)
    )


def send_mail() -> None:
    """What the task workers do once the post commits (a test's transaction never does)."""
    outbox.dispatch(here=True)


def confirm_url(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/\S+/confirm/\S+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def nothing_recorded() -> None:
    assert not GuestAction.objects.exists()
    assert not Signature.objects.exists()
    assert not User.objects.filter(is_guest=True).exists()
    assert not OutboxMessage.objects.exists()
