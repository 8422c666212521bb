from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    Challenge,
    Event,
    Fundraiser,
    Pledge,
)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"campagne-{n}")
    title = factory.Sequence(lambda n: f"Campagne {n}")
    summary = "Agissons ensemble."
    body = "Le **texte** de la campagne."
    category = Campaign.Category.ENVIRONMENT
    status = Campaign.Status.LIVE
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def host(obj: Campaign, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            CampaignHost.objects.create(
                campaign=obj, user=obj.created_by, status=CampaignHost.Status.ACCEPTED
            )


class PledgeFactory(DjangoModelFactory):
    class Meta:
        model = Pledge

    campaign = factory.SubFactory(CampaignFactory)
    text = "Je m'engage à agir."


class ChallengeFactory(DjangoModelFactory):
    class Meta:
        model = Challenge

    campaign = factory.SubFactory(CampaignFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=5))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=24))


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    campaign = factory.SubFactory(CampaignFactory)
    title = "Ramassage des déchets"
    address = "Quai de Valmy, Paris"
    city = "Paris"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3, hours=2))
    capacity = 10
    proposed_by = factory.SelfAttribute("campaign.created_by")


class FundraiserFactory(DjangoModelFactory):
    class Meta:
        model = Fundraiser

    campaign = factory.SubFactory(CampaignFactory)
    goal_amount = 10_000_00
    currency = "EUR"
