import factory
from factory.django import DjangoModelFactory

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.models import AidListing
from essaim.aid.search import search_text_for


class AidListingFactory(DjangoModelFactory):
    class Meta:
        model = AidListing

    kind = AidListing.Kind.OFFER
    category = AidListing.Category.GOODS
    title = factory.Sequence(lambda n: f"Annonce {n}")
    body = "Détails de l'annonce."
    place = "Paris"
    author = factory.SubFactory(UserFactory)
    search_text = factory.LazyAttribute(
        lambda listing: search_text_for(title=listing.title, body=listing.body, place=listing.place)
    )
