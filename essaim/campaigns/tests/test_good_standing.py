"""A suspended person reads but does not take part, whatever the door: the same service check
refuses the pages, htmx and the API, and nothing is written."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.models import User, UserFollow
from essaim.accounts.tests.factories import UserFactory
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns.models import (
    CampaignFollow,
    CampaignUpdate,
    CheckIn,
    Donation,
    Participant,
    Rsvp,
    Signature,
    UpdateComment,
)
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.models import CommunityFollow, Membership, PostReaction
from essaim.communities.tests.factories import CommunityFactory, PostFactory

pytestmark = pytest.mark.django_db


def suspend(user: User) -> None:
    User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() + timedelta(days=2))


def _sign(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    pledge = PledgeFactory.create()
    return reverse("campaigns:sign", args=[pledge.campaign.slug]), {}, Signature.objects.count


def _join(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    challenge = ChallengeFactory.create()
    url = reverse("campaigns:challenge_join", args=[challenge.campaign.slug])
    return url, {}, Participant.objects.count


def _check_in(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    challenge = ChallengeFactory.create()
    Participant.objects.create(challenge=challenge, user=person)
    url = reverse("campaigns:check_in", args=[challenge.campaign.slug])
    return url, {}, CheckIn.objects.count


def _rsvp(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    event = EventFactory.create()
    url = reverse("campaigns:rsvp", args=[event.campaign.slug, event.pk])
    return url, {}, Rsvp.objects.count


def _give(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    fundraiser = FundraiserFactory.create()
    url = reverse("campaigns:give", args=[fundraiser.campaign.slug])
    return url, {"amount": "10", "idempotency_key": str(uuid.uuid4())}, Donation.objects.count


def _follow_campaign(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    campaign = CampaignFactory.create()
    return reverse("campaigns:follow", args=[campaign.slug]), {}, CampaignFollow.objects.count


def _comment_update(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    campaign = CampaignFactory.create()
    update = CampaignUpdate.objects.create(
        campaign=campaign, author=campaign.created_by, body="Nouvelles"
    )
    url = reverse("campaigns:update", args=[campaign.slug, update.pk])
    return url, {"body": "Bravo"}, UpdateComment.objects.count


def _join_community(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    community = CommunityFactory.create()
    count = Membership.objects.filter(user=person).count
    return reverse("communities:join", args=[community.slug]), {}, count


def _follow_community(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    community = CommunityFactory.create()
    url = reverse("communities:follow", args=[community.slug])
    return url, {}, CommunityFollow.objects.count


def _like_post(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    post = PostFactory.create()
    url = reverse("communities:like", args=[post.community.slug, post.pk])
    return url, {}, PostReaction.objects.count


def _follow_person(person: User) -> tuple[str, dict[str, Any], Callable[[], int]]:
    other = UserFactory.create()
    return reverse("accounts:follow", args=[other.handle]), {}, UserFollow.objects.count


PAGE_ACTIONS = [
    _sign,
    _join,
    _check_in,
    _rsvp,
    _give,
    _follow_campaign,
    _comment_update,
    _join_community,
    _follow_community,
    _like_post,
    _follow_person,
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("action", PAGE_ACTIONS, ids=lambda action: action.__name__[1:])
def test_a_suspended_person_is_refused_on_the_pages_and_nothing_is_written(client, action, htmx):
    person = UserFactory.create()
    url, data, count = action(person)
    before = count()
    suspend(person)
    client.force_login(person)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, data, **headers)
    assert response.status_code == 403
    assert "suspended" in response.content.decode() or "suspendu" in response.content.decode()
    assert count() == before


@pytest.mark.parametrize("action", PAGE_ACTIONS, ids=lambda action: action.__name__[1:])
def test_once_the_suspension_ends_the_same_action_goes_through(client, action):
    person = UserFactory.create()
    url, data, count = action(person)
    before = count()
    User.objects.filter(pk=person.pk).update(suspended_until=timezone.now() - timedelta(minutes=1))
    client.force_login(person)
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    assert count() == before + 1


def test_withdrawing_stays_open_to_a_suspended_person(client):
    pledge = PledgeFactory.create()
    person = UserFactory.create()
    client.force_login(person)
    client.post(reverse("campaigns:sign", args=[pledge.campaign.slug]))
    assert Signature.objects.filter(user=person).exists()
    suspend(person)
    response = client.post(reverse("campaigns:unsign", args=[pledge.campaign.slug]))
    assert response.status_code == 302
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("make", "path", "body", "count"),
    [
        (
            lambda: PledgeFactory.create().campaign,
            "/campaigns/{slug}/pledge/signature",
            {},
            Signature.objects.count,
        ),
        (
            lambda: ChallengeFactory.create().campaign,
            "/campaigns/{slug}/challenge/participation",
            {},
            Participant.objects.count,
        ),
        (
            lambda: FundraiserFactory.create().campaign,
            "/campaigns/{slug}/fundraiser/donations",
            {"amount": 1000, "idempotency_key": "6f1c7d2e-8a1b-4c3d-9e0f-112233445566"},
            Donation.objects.count,
        ),
        (
            lambda: CommunityFactory.create(),
            "/communities/{slug}/membership",
            {},
            Membership.objects.count,
        ),
    ],
    ids=["sign", "join", "give", "community"],
)
def test_a_suspended_person_is_refused_by_the_api_too(make, path, body, count):
    person = UserFactory.create()
    target = make()
    secret = make_token(person)
    suspend(person)
    before = count()
    response = call(Client(), "POST", path.format(slug=target.slug), secret, body)
    assert response.status_code == 403
    assert "suspended" in response.json()["detail"] or "suspendu" in response.json()["detail"]
    assert count() == before
