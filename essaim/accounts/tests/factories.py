from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from essaim.accounts.models import User, UserFollow


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.test")
    display_name = factory.Faker("name", locale="fr_FR")
    handle = factory.Sequence(lambda n: f"personne-{n}")
    city = "Paris"
    language = "fr"
    password = factory.django.Password("motdepasse-solide-42")
    # An established account (past the first trust threshold); tests about new accounts say
    # `date_joined=timezone.now()`.
    date_joined = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))


class UserFollowFactory(DjangoModelFactory):
    class Meta:
        model = UserFollow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)
