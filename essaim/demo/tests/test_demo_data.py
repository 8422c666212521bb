from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

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


def _load(**options) -> str:
    out = StringIO()
    call_command("demo_data", stdout=out, **options)
    return out.getvalue()


def test_demo_loads_people_communities_and_listings_and_prints_log_ins():
    out = _load(people=200)
    assert User.objects.count() == 200
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


def _snapshot() -> list[tuple[str, str, int]]:
    return [
        (user.display_name, user.city, user.following_links.count())
        for user in User.objects.order_by("pk")[:40]
    ]


def test_demo_is_deterministic_and_idempotent():
    with transaction.atomic():
        _load(people=120)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not User.objects.exists()
    _load(people=120)
    assert _snapshot() == first
    follows = UserFollow.objects.count()
    out = _load(people=120)
    assert "already loaded" in out
    assert User.objects.count() == 120 and UserFollow.objects.count() == follows


def test_the_paris_community_has_the_offers_requests_and_conversations_newcomers_expect():
    _load(people=150)
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


def test_the_demo_campaigns_have_numbers_on_every_page():
    _load(people=300)
    eco = Campaign.objects.get(slug="defi-30-jours-zero-dechet")
    assert CampaignHost.objects.filter(campaign=eco).count() == 12
    assert eco.challenge.days.count() == 30
    assert CheckIn.objects.filter(participant__challenge__campaign=eco).count() > 300
    assert EventResult.objects.filter(unit="kg").count() >= 6
    assert Donation.objects.filter(status="succeeded").count() > 100
    assert Signature.objects.count() > 100


def test_demo_people_have_their_canonical_address():
    _load(people=120)
    assert not User.objects.filter(email_canonical=None).exists()
    lucie = User.objects.get(email_canonical="lucie@demo.essaim.test")
    assert lucie.email == "lucie@demo.essaim.test"


def test_the_demo_has_a_staff_moderator_to_try_moderation_and_the_mailbox(client):
    out = _load(people=200)
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
    assert User.objects.count() == 200
    assert not staff.memberships.exists()
