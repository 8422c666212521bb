import json

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.messaging.selectors import messaging_export_for
from essaim.messaging.services import conversation_mark_read, conversation_start, message_send

pytestmark = pytest.mark.django_db


def test_export_holds_my_conversations_and_only_the_messages_i_wrote():
    alice, bruno, chloe = UserFactory.create(), UserFactory.create(), UserFactory.create()
    with_bruno = conversation_start(sender=alice, recipient=bruno, body="Bonjour Bruno")
    message_send(sender=bruno, conversation=with_bruno, body="Secret de Bruno")
    message_send(sender=alice, conversation=with_bruno, body="Merci")
    conversation_mark_read(user=alice, conversation=with_bruno)
    conversation_start(sender=chloe, recipient=alice, body="Message de Chloé")
    conversation_start(sender=bruno, recipient=chloe, body="Pas pour Alice")

    exported = messaging_export_for(alice)

    json.dumps(exported)
    first, second = exported["conversations"]
    assert first["id"] == with_bruno.pk
    assert first["with"] == [{"handle": bruno.handle, "display_name": bruno.display_name}]
    assert [m["body"] for m in first["messages_i_sent"]] == ["Bonjour Bruno", "Merci"]
    assert first["last_read_at"] is not None
    assert second["with"][0]["handle"] == chloe.handle
    assert second["messages_i_sent"] == []
    text = json.dumps(exported)
    assert "Secret de Bruno" not in text and "Pas pour Alice" not in text
    assert bruno.email not in text and chloe.email not in text


def test_export_of_someone_without_messages_is_empty():
    assert messaging_export_for(UserFactory.create()) == {"conversations": []}
