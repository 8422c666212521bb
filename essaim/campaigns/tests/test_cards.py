"""Campaign cards: the figures each card shows, in a fixed number of queries."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.cards import campaign_cards, live_campaigns, todays_challenges
from essaim.campaigns.models import Campaign, ChallengeDay, Donation, Participant
from essaim.campaigns.services.challenge import challenge_join, check_in
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.settle import signatures_settle
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    FundraiserFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


def _signed(pledge, people: int) -> None:
    for person in UserFactory.create_batch(people):
        pledge_sign(user=person, pledge=pledge)
    signatures_settle()


def test_a_pledge_card_shows_its_count_the_next_goal_and_days_left():
    today = timezone.localdate()
    pledge = PledgeFactory.create(goal_ladder="4,10", campaign__ends_on=today + timedelta(days=9))
    _signed(pledge, 3)

    (card,) = campaign_cards([pledge.campaign], today=today)
    assert (card.action, card.count, card.percent, card.days_left) == ("sign", 3, 75, 9)
    assert card.count_label == "signatures"
    assert card.goal_label == "goal: 4"


@pytest.mark.parametrize(("ends_in", "days_left"), [(None, None), (0, 0), (1, 1), (-1, None)])
def test_days_left_counts_today_and_stops_after_the_end(ends_in, days_left):
    today = timezone.localdate()
    campaign = CampaignFactory.create(
        ends_on=today + timedelta(days=ends_in) if ends_in is not None else None
    )
    assert campaign_cards([campaign], today=today)[0].days_left == days_left


def test_a_fundraiser_card_counts_money_received_only():
    fundraiser = FundraiserFactory.create(goal_amount=1000_00)
    giver = UserFactory.create()
    for amount, status in [(250_00, Donation.Status.SUCCEEDED), (500_00, Donation.Status.FAILED)]:
        Donation.objects.create(
            fundraiser=fundraiser,
            user=giver,
            amount=amount,
            currency="EUR",
            status=status,
            provider="fake",
            idempotency_key=uuid.uuid4(),
        )

    card = campaign_cards([fundraiser.campaign])[0]

    assert (card.action, card.count, card.percent) == ("give", None, 25)
    assert card.count_label == "250 € raised"


def test_a_challenge_card_counts_participants_without_a_goal():
    challenge = ChallengeFactory.create()
    for person in UserFactory.create_batch(2):
        challenge_join(user=person, challenge=challenge)

    card = campaign_cards([challenge.campaign])[0]

    assert (card.action, card.count, card.percent) == ("join", 2, None)


def test_cards_cost_the_same_queries_for_two_campaigns_as_for_twenty():
    def queries(count: int) -> int:
        campaigns = [PledgeFactory.create().campaign for _ in range(count)]
        campaigns += [FundraiserFactory.create().campaign for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            campaign_cards(campaigns)
        return len(captured)

    assert queries(1) == queries(10) == 6


def test_live_campaigns_are_the_live_ones_anyone_may_see():
    live = CampaignFactory.create()
    CampaignFactory.create(status=Campaign.Status.DRAFT)
    CampaignFactory.create(status=Campaign.Status.CLOSED)

    assert [card.campaign.pk for card in live_campaigns(UserFactory.create())] == [live.pk]


def test_todays_challenges_name_the_prompt_and_whether_i_checked_in():
    today = timezone.localdate()
    me, other = UserFactory.create_batch(2)
    running = ChallengeFactory.create()
    ChallengeDay.objects.create(challenge=running, date=today, prompt="Trier ses déchets")
    over = ChallengeFactory.create(
        starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=1)
    )
    challenge_join(user=me, challenge=running)
    # Joined while it ran (the service refuses a challenge that is over).
    Participant.objects.create(challenge=over, user=me)
    challenge_join(user=other, challenge=running)

    (before,) = todays_challenges(me)
    check_in(user=me, challenge=running)
    (after,) = todays_challenges(me)

    assert (before.campaign, before.prompt, before.checked_in) == (
        running.campaign,
        "Trier ses déchets",
        False,
    )
    assert after.checked_in is True


def test_the_front_door_lists_live_campaigns_with_their_progress(client):
    pledge = PledgeFactory.create(campaign__title="Sauvons la Bièvre", goal_ladder="10")
    _signed(pledge, 4)

    page = client.get(reverse("feed:home")).content.decode()

    assert 'data-testid="live-campaigns"' in page
    assert "Sauvons la Bièvre" in page
    assert '<progress max="100" value="40"' in page


def test_a_person_sees_todays_challenge_first(client):
    me = UserFactory.create()
    challenge = ChallengeFactory.create(campaign__title="Trente jours sans plastique")
    challenge_join(user=me, challenge=challenge)
    client.force_login(me)

    page = client.get(reverse("feed:home")).content.decode()

    assert page.index('data-testid="todays-challenges"') < page.index('data-testid="feed"')
    assert 'data-testid="today-check-in"' in page
