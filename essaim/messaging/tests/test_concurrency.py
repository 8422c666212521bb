import uuid

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.core.tests.concurrency import run_together
from essaim.messaging.models import Conversation, ConversationParticipant, Message
from essaim.messaging.services import conversation_start, message_send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_first_messages_meet_in_one_conversation():
    alice, bruno = UserFactory.create(), UserFactory.create()

    run_together(
        *[
            lambda sender=sender, recipient=recipient: conversation_start(
                sender=sender, recipient=recipient, body="Bonjour"
            )
            for sender, recipient in [(alice, bruno), (bruno, alice)] * 4
        ]
    )

    assert Conversation.objects.count() == 1
    assert ConversationParticipant.objects.count() == 2
    assert Message.objects.count() == 8


def test_simultaneous_double_submit_stores_one_message():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")
    key = uuid.uuid4()

    run_together(
        *[
            lambda: message_send(
                sender=bruno, conversation=conversation, body="Salut", idempotency_key=key
            )
        ]
        * 6
    )

    assert Message.objects.filter(sender=bruno).count() == 1
