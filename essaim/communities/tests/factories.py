import factory
from factory.django import DjangoModelFactory

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Comment, Community, Membership, Post


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Communauté {n}")
    slug = factory.Sequence(lambda n: f"communaute-{n}")
    description = "Entraide entre voisins."
    charter = "Respect et bienveillance."
    city = "Paris"
    created_by = factory.SubFactory(UserFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", locale="fr_FR")


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", locale="fr_FR")
