from datetime import timedelta

from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Community, Membership
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory


def trusted_member(community: Community | None = None, **fields: object) -> User:
    """A member past the trusted threshold: old enough, with enough kept contributions."""
    person = UserFactory.create(date_joined=timezone.now() - timedelta(days=90), **fields)
    community = community or CommunityFactory.create()
    MembershipFactory.create(community=community, user=person)
    PostFactory.create_batch(20, community=community, author=person)
    return person


def new_account(**fields: object) -> User:
    return UserFactory.create(date_joined=timezone.now(), **fields)


def moderated_community() -> tuple[Community, User]:
    community = CommunityFactory.create()
    moderator = UserFactory.create()
    MembershipFactory.create(community=community, user=moderator, role=Membership.Role.MODERATOR)
    return community, moderator
