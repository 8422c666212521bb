import factory
from factory.django import DjangoModelFactory

from essaim.accounts.tests.factories import UserFactory
from essaim.messaging.models import Conversation, ConversationParticipant, Message


class ConversationFactory(DjangoModelFactory):
    """A bare conversation; prefer `conversation_between` to get participants and a message."""

    class Meta:
        model = Conversation


class ConversationParticipantFactory(DjangoModelFactory):
    class Meta:
        model = ConversationParticipant

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.SubFactory(UserFactory)


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", locale="fr_FR")
