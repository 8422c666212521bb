import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.core.errors import Conflict, NotFound, ValidationError
from essaim.messaging.models import (
    MESSAGE_BODY_MAX_LENGTH,
    Conversation,
    ConversationParticipant,
    Message,
)
from essaim.messaging.selectors import (
    MESSAGES_PAGE_SIZE,
    conversation_get_for,
    conversation_list_for,
    message_page_for,
    unread_conversation_count,
)
from essaim.messaging.services import (
    conversation_mark_read,
    conversation_start,
    message_send,
)

pytestmark = pytest.mark.django_db


def test_start_opens_a_two_person_conversation_with_the_message():
    alice, bruno = UserFactory.create(), UserFactory.create()

    conversation = conversation_start(sender=alice, recipient=bruno, body="  Bonjour Bruno !  ")

    assert set(conversation.participants.values_list("user_id", flat=True)) == {alice.pk, bruno.pk}
    message = conversation.messages.get()
    assert (message.sender, message.body) == (alice, "Bonjour Bruno !")
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at


def test_start_twice_reuses_the_conversation_in_both_directions():
    alice, bruno = UserFactory.create(), UserFactory.create()

    first = conversation_start(sender=alice, recipient=bruno, body="Bonjour")
    second = conversation_start(sender=alice, recipient=bruno, body="Tu es là ?")
    third = conversation_start(sender=bruno, recipient=alice, body="Oui !")

    assert first.pk == second.pk == third.pk
    assert Conversation.objects.count() == 1
    assert ConversationParticipant.objects.count() == 2
    assert list(first.messages.values_list("body", flat=True)) == ["Bonjour", "Tu es là ?", "Oui !"]


def test_start_with_another_person_opens_another_conversation():
    alice, bruno, chloe = UserFactory.create(), UserFactory.create(), UserFactory.create()

    with_bruno = conversation_start(sender=alice, recipient=bruno, body="Salut")
    with_chloe = conversation_start(sender=alice, recipient=chloe, body="Salut")

    assert with_bruno.pk != with_chloe.pk


def test_start_with_a_repeated_idempotency_key_stores_one_message():
    alice, bruno = UserFactory.create(), UserFactory.create()
    key = uuid.uuid4()

    first = conversation_start(sender=alice, recipient=bruno, body="Bonjour", idempotency_key=key)
    again = conversation_start(sender=alice, recipient=bruno, body="Bonjour", idempotency_key=key)

    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_send_with_a_repeated_idempotency_key_stores_one_message():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")
    key = uuid.uuid4()

    first = message_send(sender=bruno, conversation=conversation, body="Salut", idempotency_key=key)
    again = message_send(sender=bruno, conversation=conversation, body="Salut", idempotency_key=key)

    assert first.pk == again.pk
    assert Message.objects.filter(sender=bruno).count() == 1


def test_the_same_key_from_two_senders_is_two_messages():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")
    key = uuid.uuid4()

    message_send(sender=alice, conversation=conversation, body="a", idempotency_key=key)
    message_send(sender=bruno, conversation=conversation, body="b", idempotency_key=key)

    assert conversation.messages.count() == 3


def test_a_key_already_used_in_another_conversation_is_a_conflict_and_stores_nothing():
    alice, bruno, chloe = UserFactory.create(), UserFactory.create(), UserFactory.create()
    key = uuid.uuid4()
    conversation_start(sender=alice, recipient=bruno, body="Bonjour", idempotency_key=key)

    with pytest.raises(Conflict):
        conversation_start(sender=alice, recipient=chloe, body="Bonjour", idempotency_key=key)

    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "A message cannot be empty."),
        ("   \n\t ", "A message cannot be empty."),
        ("x" * (MESSAGE_BODY_MAX_LENGTH + 1), "at most 5000 characters"),
    ],
)
def test_start_refuses_a_bad_body_and_stores_nothing(body, error):
    alice, bruno = UserFactory.create(language="en"), UserFactory.create()

    with pytest.raises(ValidationError, match=error):
        conversation_start(sender=alice, recipient=bruno, body=body)

    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_body_of_exactly_the_limit_is_accepted():
    alice, bruno = UserFactory.create(), UserFactory.create()

    conversation = conversation_start(
        sender=alice, recipient=bruno, body="x" * MESSAGE_BODY_MAX_LENGTH
    )

    assert len(conversation.messages.get().body) == MESSAGE_BODY_MAX_LENGTH


def test_start_refuses_writing_to_oneself():
    alice = UserFactory.create()

    with pytest.raises(ValidationError, match="yourself"):
        conversation_start(sender=alice, recipient=alice, body="Note à moi-même")

    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "closed", [{"is_active": False}, {"deleted_at": timezone.now(), "is_active": True}]
)
def test_start_refuses_deactivated_or_deleted_recipients(closed):
    alice, bruno = UserFactory.create(), UserFactory.create(**closed)

    with pytest.raises(ValidationError, match="can no longer receive messages"):
        conversation_start(sender=alice, recipient=bruno, body="Bonjour")

    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


def test_send_refuses_a_conversation_whose_other_person_left():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")
    bruno.deleted_at = timezone.now()
    bruno.is_active = False
    bruno.save()

    with pytest.raises(ValidationError, match="can no longer receive messages"):
        message_send(sender=alice, conversation=conversation, body="Tu es là ?")

    assert conversation.messages.count() == 1


def test_an_outsider_cannot_send_and_is_told_the_conversation_does_not_exist():
    alice, bruno, mallory = UserFactory.create(), UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")

    with pytest.raises(NotFound):
        message_send(sender=mallory, conversation=conversation, body="Coucou")
    with pytest.raises(NotFound):
        conversation_mark_read(user=mallory, conversation=conversation)

    assert conversation.messages.count() == 1
    assert not ConversationParticipant.objects.filter(user=mallory).exists()


def test_send_moves_last_message_at_forward():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")

    reply = message_send(sender=bruno, conversation=conversation, body="Salut")

    conversation.refresh_from_db()
    assert conversation.last_message_at == reply.created_at


def test_unread_counts_are_exact_across_people_and_after_reading():
    alice, bruno, chloe = UserFactory.create(), UserFactory.create(), UserFactory.create()
    with_alice = conversation_start(sender=alice, recipient=bruno, body="1")
    conversation_start(sender=alice, recipient=bruno, body="2")

    # Two messages in one conversation are one unread conversation; my own never count.
    assert (unread_conversation_count(bruno), unread_conversation_count(alice)) == (1, 0)

    with_chloe = conversation_start(sender=chloe, recipient=bruno, body="3")
    assert unread_conversation_count(bruno) == 2
    assert unread_conversation_count(chloe) == 0

    conversation_mark_read(user=bruno, conversation=with_alice)
    assert unread_conversation_count(bruno) == 1

    message_send(sender=bruno, conversation=with_alice, body="réponse")
    assert (unread_conversation_count(bruno), unread_conversation_count(alice)) == (1, 1)

    conversation_mark_read(user=bruno, conversation=with_chloe)
    message_send(sender=bruno, conversation=with_chloe, body="réponse")
    conversation_mark_read(user=alice, conversation=with_alice)
    assert [unread_conversation_count(person) for person in (alice, bruno, chloe)] == [0, 0, 1]


def test_a_message_after_reading_is_unread_again():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="1")
    conversation_mark_read(user=bruno, conversation=conversation)

    message_send(sender=alice, conversation=conversation, body="2")

    assert unread_conversation_count(bruno) == 1


def test_mark_read_never_moves_backwards():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="1")
    later = timezone.now() + timedelta(minutes=5)
    ConversationParticipant.objects.filter(user=bruno).update(last_read_at=later)

    conversation_mark_read(user=bruno, conversation=conversation)

    assert ConversationParticipant.objects.get(user=bruno).last_read_at == later


def test_inbox_annotations():
    alice, bruno, chloe = UserFactory.create(), UserFactory.create(), UserFactory.create()
    older = conversation_start(sender=bruno, recipient=alice, body="premier")
    message_send(sender=bruno, conversation=older, body="deuxième")
    newer = conversation_start(sender=alice, recipient=chloe, body="x" * 400)

    inbox = list(conversation_list_for(alice))

    assert [c.pk for c in inbox] == [newer.pk, older.pk]
    assert [c.other_participants[0].user for c in inbox] == [chloe, bruno]
    assert [c.unread_count for c in inbox] == [0, 2]
    assert [c.last_message_sender_id for c in inbox] == [alice.pk, bruno.pk]
    assert inbox[1].last_message_preview == "deuxième"
    assert len(inbox[0].last_message_preview or "") == 160

    conversation_mark_read(user=alice, conversation=older)
    assert [c.unread_count for c in conversation_list_for(alice)] == [0, 0]
    # Chloe's view of the same conversation is her own.
    [chloes] = conversation_list_for(chloe)
    assert (chloes.unread_count, chloes.other_participants[0].user) == (1, alice)


def test_inbox_lists_only_my_conversations():
    alice, bruno, chloe, mallory = (
        UserFactory.create(),
        UserFactory.create(),
        UserFactory.create(),
        UserFactory.create(),
    )
    conversation_start(sender=alice, recipient=bruno, body="a")
    conversation_start(sender=bruno, recipient=chloe, body="b")

    assert [c.other_participants[0].user for c in conversation_list_for(alice)] == [bruno]
    assert list(conversation_list_for(mallory)) == []


def test_get_for_refuses_outsiders_like_a_missing_conversation():
    alice, bruno, mallory = UserFactory.create(), UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="Bonjour")

    assert conversation_get_for(pk=conversation.pk, user=bruno).pk == conversation.pk
    with pytest.raises(NotFound) as outsider:
        conversation_get_for(pk=conversation.pk, user=mallory)
    with pytest.raises(NotFound) as missing:
        conversation_get_for(pk=conversation.pk + 1000, user=mallory)
    assert outsider.value.message == missing.value.message


def test_message_pages_start_with_the_latest():
    alice, bruno = UserFactory.create(), UserFactory.create()
    conversation = conversation_start(sender=alice, recipient=bruno, body="0")
    for number in range(1, MESSAGES_PAGE_SIZE + 5):
        message_send(sender=alice, conversation=conversation, body=str(number))
    total = MESSAGES_PAGE_SIZE + 5

    latest = message_page_for(user=bruno, conversation=conversation)
    older = message_page_for(user=bruno, conversation=conversation, page="2")
    garbage = message_page_for(user=bruno, conversation=conversation, page="abc")

    assert [m.body for m in latest.object_list] == [str(n) for n in range(5, total)]
    assert [m.body for m in older.object_list] == [str(n) for n in range(5)]
    assert garbage.number == 1
    assert list(message_page_for(user=UserFactory.create(), conversation=conversation)) == []
