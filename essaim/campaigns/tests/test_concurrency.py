"""Exact under concurrency: real threads, each on its own PostgreSQL connection."""

import threading
import uuid

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CheckIn, Donation, Milestone, Participant, Rsvp, Signature
from essaim.campaigns.selectors import fundraiser_totals, signature_count
from essaim.campaigns.services import settle
from essaim.campaigns.services.challenge import challenge_join, check_in
from essaim.campaigns.services.events import rsvp_cancel, rsvp_create
from essaim.campaigns.services.fundraising import donation_give
from essaim.campaigns.services.pledge import pledge_sign, pledge_unsign
from essaim.campaigns.services.settle import settle_due, signatures_settle
from essaim.campaigns.tests.factories import (
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.core.tests.concurrency import run_together
from essaim.relay.models import Lineage, Supporter
from essaim.relay.services import link_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_hundred_people_signing_at_once_make_exactly_two_hundred_signatures():
    pledge = PledgeFactory.create()
    people = UserFactory.create_batch(200)

    run_together(
        *[lambda person=person: pledge_sign(user=person, pledge=pledge) for person in people]
    )

    assert Signature.objects.filter(pledge=pledge).count() == 200
    assert signature_count(pledge) == 200


def test_one_person_clicking_sign_fifty_times_at_once_signs_once():
    pledge = PledgeFactory.create()
    person = UserFactory.create()

    run_together(*[lambda: pledge_sign(user=person, pledge=pledge)] * 50)

    assert Signature.objects.filter(pledge=pledge).count() == 1
    assert signature_count(pledge) == 1


def test_signing_at_once_by_many_and_by_one_while_settles_run_counts_exactly(settings):
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create()
    people = UserFactory.create_batch(120)
    repeat = people[0]

    run_together(
        *[lambda person=person: pledge_sign(user=person, pledge=pledge) for person in people],
        *[lambda: pledge_sign(user=repeat, pledge=pledge, show_name=True)] * 30,
        # Settles beside the signers, as several schedulers would run them.
        *[lambda: signatures_settle(limit=7)] * 20,
    )
    settle_due()

    assert Signature.objects.filter(pledge=pledge).count() == 120
    assert not Signature.objects.filter(settled_at__isnull=True).exists()
    assert signature_count(pledge) == 120
    assert Supporter.objects.filter(campaign=pledge.campaign).count() == 120


def test_a_crowd_through_one_share_link_at_once_is_one_cascade():
    pledge = PledgeFactory.create()
    relay = UserFactory.create()
    pledge_sign(user=relay, pledge=pledge)
    code = link_for(user=relay, campaign=pledge.campaign).code
    crowd = UserFactory.create_batch(60)

    run_together(
        *[
            lambda person=person: pledge_sign(user=person, pledge=pledge, via=code)
            for person in crowd
        ]
    )

    referred = Supporter.objects.filter(campaign=pledge.campaign, referrer=relay)
    assert referred.count() == 60 and set(referred.values_list("generation", flat=True)) == {1}
    assert Lineage.objects.filter(campaign=pledge.campaign, ancestor=relay).count() == 60
    assert signature_count(pledge) == 61


def test_signing_and_withdrawing_at_once_keep_the_count_exact():
    pledge = PledgeFactory.create()
    leaving = UserFactory.create_batch(40)
    for person in leaving:
        pledge_sign(user=person, pledge=pledge)
    coming = UserFactory.create_batch(120)

    run_together(
        *[lambda person=person: pledge_sign(user=person, pledge=pledge) for person in coming],
        *[lambda person=person: pledge_unsign(user=person, pledge=pledge) for person in leaving],
        # Withdrawing twice at once takes one signature away, not two.
        *[lambda person=person: pledge_unsign(user=person, pledge=pledge) for person in leaving],
    )

    assert Signature.objects.filter(pledge=pledge).count() == 120
    assert signature_count(pledge) == 120


def test_fifty_rsvps_for_ten_places_then_five_cancellations():
    event = EventFactory.create(capacity=10)
    people = UserFactory.create_batch(50)

    run_together(
        *[lambda person=person: rsvp_create(user=person, event=event) for person in people]
    )

    confirmed = Rsvp.objects.filter(event=event, status=Rsvp.Status.CONFIRMED)
    waitlisted = Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITLISTED)
    assert confirmed.count() == 10 and waitlisted.count() == 40
    # The waiting list is in arrival order: positions 11 to 50, each once.
    assert sorted(waitlisted.values_list("position", flat=True)) == list(range(11, 51))
    next_five = list(waitlisted.order_by("position").values_list("user_id", flat=True)[:5])

    leaving = list(confirmed.values_list("user_id", flat=True)[:5])
    run_together(
        *[lambda pk=pk: rsvp_cancel(user=people_by_id(people)[pk], event=event) for pk in leaving]
    )

    assert confirmed.count() == 10
    assert sorted(
        confirmed.filter(user_id__in=next_five).values_list("user_id", flat=True)
    ) == sorted(next_five)
    assert waitlisted.count() == 35


def people_by_id(people):
    return {person.pk: person for person in people}


def test_the_same_donation_twenty_times_at_once_is_one_donation():
    fundraiser = FundraiserFactory.create()
    donor = UserFactory.create()
    key = uuid.uuid4()

    run_together(
        *[
            lambda: donation_give(
                user=donor, fundraiser=fundraiser, amount=25_00, idempotency_key=key
            )
        ]
        * 20
    )

    assert Donation.objects.count() == 1
    assert Donation.objects.get().status == Donation.Status.SUCCEEDED
    assert fundraiser_totals(fundraiser)["donations"] == 25_00


def test_the_same_check_in_twice_at_once_is_one_check_in():
    challenge = ChallengeFactory.create()
    person = UserFactory.create()
    challenge_join(user=person, challenge=challenge)

    run_together(*[lambda: check_in(user=person, challenge=challenge)] * 2)

    assert CheckIn.objects.filter(participant__user=person).count() == 1
    assert Participant.objects.count() == 1


def test_two_settles_of_one_pledge_crossing_a_goal_together_record_its_milestone_once(
    settings, monkeypatch
):
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create(goal_ladder="10")
    for person in UserFactory.create_batch(10):
        pledge_sign(user=person, pledge=pledge)
    ids = list(Signature.objects.order_by("pk").values_list("pk", flat=True))
    # Two schedulers settle half each at the same instant: both have moved their tally shard
    # and neither has committed when they read the count.
    both_moved = threading.Barrier(2, timeout=20)
    move = settle.tally_move

    def move_then_meet(**kwargs):
        move(**kwargs)
        both_moved.wait()

    monkeypatch.setattr(settle, "tally_move", move_then_meet)
    run_together(
        lambda: signatures_settle(ids=ids[:5]), lambda: signatures_settle(ids=ids[5:]), threads=2
    )

    assert signature_count(pledge) == 10
    assert not Signature.objects.filter(settled_at__isnull=True).exists()
    assert list(
        Milestone.objects.filter(campaign=pledge.campaign, kind="signatures").values_list(
            "threshold", flat=True
        )
    ) == [10]
