"""What the demo holds, read from one load shared by the module: a load takes seconds, and
these tests only read it."""

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from essaim.accounts.models import User, UserFollow
from essaim.aid.models import AidListing
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    CheckIn,
    Donation,
    EventResult,
    Signature,
)
from essaim.communities.models import Community, Post
from essaim.core.images import cover_variants
from essaim.demo import content
from essaim.messaging.models import Conversation

pytestmark = pytest.mark.django_db

PEOPLE = 300


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The demo, loaded once in a transaction that stays open around the module's tests (each
    runs in a savepoint inside it, as in a Django TestCase's setUpTestData) and is rolled back
    after the last, so no other module sees it."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo_data", people=PEOPLE, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_demo_loads_people_communities_and_listings_and_prints_log_ins(demo):
    out = demo
    assert User.objects.count() == PEOPLE
    assert UserFollow.objects.count() > 400
    assert Community.objects.filter(visibility="private").exists()
    assert Post.objects.exists() and AidListing.objects.filter(status="open").exists()
    for email, _name, _city, _bio in content.DEMO_PEOPLE:
        assert email in out
        assert User.objects.get(email=email).check_password(content.DEMO_PASSWORD)
    assert content.DEMO_PASSWORD in out
    # Every live campaign has a picture drawn for it, described, at responsive widths.
    live = Campaign.objects.filter(status=Campaign.Status.LIVE)
    assert live.exists()
    for campaign in live:
        assert campaign.cover_alt
        assert [width for _, width, _ in cover_variants(campaign.cover.name or "")] == [
            480,
            960,
            1600,
        ]
    assert Community.objects.exclude(cover="").count() == 8


def test_the_paris_community_has_the_offers_requests_and_conversations_newcomers_expect(demo):
    paris = Community.objects.get(slug="entraide-paris-11e")
    board = AidListing.objects.filter(community=paris)
    categories = set(board.values_list("kind", "category"))
    for expected in [
        ("offer", "goods"),
        ("offer", "job"),
        ("offer", "internship"),
        ("request", "housing"),
        ("request", "advice"),
    ]:
        assert expected in categories
    assert Conversation.objects.filter(listing__community=paris).count() >= 3
    most_followed = User.objects.annotate(n=Count("follower_links")).order_by("-n").first()
    assert most_followed is not None and most_followed.email.startswith("createur")


def test_the_demo_campaigns_have_numbers_on_every_page(demo):
    eco = Campaign.objects.get(slug="defi-30-jours-zero-dechet")
    assert CampaignHost.objects.filter(campaign=eco).count() == 12
    assert eco.challenge.days.count() == 30
    assert CheckIn.objects.filter(participant__challenge__campaign=eco).count() > 300
    assert EventResult.objects.filter(unit="kg").count() >= 6
    assert Donation.objects.filter(status="succeeded").count() > 100
    assert Signature.objects.count() > 100


def test_demo_people_have_their_canonical_address(demo):
    assert not User.objects.filter(email_canonical=None).exists()
    lucie = User.objects.get(email_canonical="lucie@demo.essaim.test")
    assert lucie.email == "lucie@demo.essaim.test"


def test_the_demo_has_a_staff_moderator_to_try_moderation_and_the_mailbox(demo, client):
    out = demo
    email, _name, _city, _bio = content.DEMO_STAFF
    assert f"{email} / {content.DEMO_PASSWORD}" in out
    staff = User.objects.get(email=email)
    assert staff.is_staff and not staff.is_superuser
    assert staff.check_password(content.DEMO_PASSWORD)
    assert client.login(email=email, password=content.DEMO_PASSWORD)
    queue = client.get(reverse("moderation:queue"))
    assert queue.status_code == 200
    assert 'data-testid="case-link"' in queue.content.decode()
    assert client.get(reverse("core:staff_emails")).status_code == 200
    # The generator's people are as many as asked, the staff account among them.
    assert User.objects.count() == PEOPLE
    assert not staff.memberships.exists()
