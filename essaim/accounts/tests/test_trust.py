"""Trust levels count contributions the domains above accounts register in their ready()."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.accounts.trust import MEMBER, NEW, compute, contributions
from essaim.aid.tests.factories import AidListingFactory
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.tests.factories import CommentFactory, PostFactory
from essaim.core.models import Moderation
from essaim.relay.models import Supporter

pytestmark = pytest.mark.django_db


def _supporter(user: User) -> None:
    now = timezone.now()
    Supporter.objects.create(
        campaign=CampaignFactory.create(),
        user=user,
        action=Supporter.Action.SIGN,
        root=user,
        created_at=now,
        day=now.date(),
    )


KINDS: dict[str, Callable[..., object]] = {
    "post": lambda author: PostFactory.create(author=author),
    "comment": lambda author: CommentFactory.create(author=author),
    "aid listing": lambda author: AidListingFactory.create(author=author),
    "campaign action": _supporter,
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_domains_contributions_raise_a_day_old_account(kind):
    person = UserFactory.create(date_joined=timezone.now() - timedelta(days=2))
    assert compute(person) == NEW
    for _ in range(3):
        KINDS[kind](person)
    assert contributions(person) == 3
    assert compute(person) == MEMBER


@pytest.mark.parametrize(
    "factory", [PostFactory, CommentFactory, AidListingFactory], ids=["post", "comment", "listing"]
)
def test_what_the_moderators_took_down_does_not_count(factory):
    person = UserFactory.create()
    factory.create_batch(2, author=person, moderation=Moderation.REMOVED)
    factory.create(author=person)
    assert contributions(person) == 1


def test_every_kind_is_counted_in_one_query():
    person = UserFactory.create()
    for make in KINDS.values():
        make(person)
    with CaptureQueriesContext(connection) as queries:
        assert contributions(person) == len(KINDS)
    assert len(queries) == 1
