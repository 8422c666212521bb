"""A notification e-mailed to someone without an account carries the link to what they gave
(as every e-mail to a guest does); an account holder's does not (their settings do that)."""

import re

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services import guest_data
from essaim.campaigns.services.guest import guest_act
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.notifications import services
from essaim.notifications.tests.helpers import Kind

pytestmark = pytest.mark.django_db


def _notify(person: User, django_capture_on_commit_callbacks) -> EmailMultiAlternatives:
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=person,
            kind=Kind.APPEAL_DECIDED,
            key=f"appeal:{person.pk}",
            params={"overturned": True, "summary": "a post"},
            url="/moderation/actions/1/",
        )
    [message] = [m for m in mail.outbox if m.to == [person.email]]
    assert isinstance(message, EmailMultiAlternatives)
    return message


@pytest.mark.parametrize(
    ("language", "says"), [("en", "To see what you gave"), ("fr", "Pour voir")]
)
def test_a_guests_notification_email_links_to_what_they_gave(
    django_capture_on_commit_callbacks, language, says
):
    guest_act(target=PledgeFactory.create(), email="nour@exemple.test", name="Nour")
    guest = User.objects.get(is_guest=True)
    guest.language = language
    guest.save(update_fields=["language"])

    message = _notify(guest, django_capture_on_commit_callbacks)

    found = re.search(r"/campaigns/guest-data/([^/\s]+)/", str(message.body))
    assert found and says in str(message.body)
    assert guest_data.person_for_data_token(found.group(1)) == guest
    assert found.group(0) in str(message.alternatives[0][0])


def test_an_account_holders_notification_email_has_no_such_link(
    django_capture_on_commit_callbacks,
):
    message = _notify(UserFactory.create(), django_capture_on_commit_callbacks)
    assert "guest-data" not in str(message.body)
    assert "guest-data" not in str(message.alternatives[0][0])
