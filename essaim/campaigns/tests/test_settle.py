"""The settle: a signature's (or a challenge join's) request writes its row; the settle counts
it, records the supporter and tells whoever listens, once. An action without an account has
its confirmation e-mail queued by the settle, once."""

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.db import OperationalError

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.events import MILESTONE_REACHED, SIGNATURES_SETTLED
from essaim.campaigns.models import (
    GUEST_EMAIL_CHANNEL,
    CampaignHost,
    GuestAction,
    Milestone,
    Participant,
    Signature,
)
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services import settle
from essaim.campaigns.services.challenge import challenge_join
from essaim.campaigns.services.guest import guest_act
from essaim.campaigns.services.pledge import pledge_sign, pledge_unsign
from essaim.campaigns.services.settle import (
    guest_actions_settle,
    participants_settle,
    settle_due,
    signatures_settle,
)
from essaim.campaigns.tests.factories import ChallengeFactory, PledgeFactory
from essaim.core import outbox, scheduler
from essaim.core.models import OutboxMessage
from essaim.relay.models import Lineage, Supporter
from essaim.relay.services import link_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def deferred(settings: Any) -> None:
    """As in production: the request writes, the scheduler settles."""
    settings.CAMPAIGNS_SETTLE_INLINE = False


@pytest.fixture
def heard() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def settled(**payload: Any) -> None:
        calls.append(("settled", payload))

    def reached(**payload: Any) -> None:
        calls.append(("milestone", payload))

    SIGNATURES_SETTLED.subscribe(settled)
    MILESTONE_REACHED.subscribe(reached)
    yield calls
    SIGNATURES_SETTLED._now.remove(settled)
    MILESTONE_REACHED._now.remove(reached)


def test_a_signature_is_counted_and_its_signer_recorded_by_the_settle_once(deferred, heard):
    pledge = PledgeFactory.create(goal_ladder="2")
    relay, people = UserFactory.create(), UserFactory.create_batch(2)
    pledge_sign(user=relay, pledge=pledge)
    code = link_for(user=relay, campaign=pledge.campaign).code
    for person in people:
        pledge_sign(user=person, pledge=pledge, via=code)

    assert Signature.objects.filter(pledge=pledge).count() == 3
    assert signature_count(pledge) == 0 and not Supporter.objects.exists()
    assert heard == []

    assert signatures_settle() == 3
    assert signature_count(pledge) == 3
    assert not Signature.objects.filter(settled_at__isnull=True).exists()
    referred = Supporter.objects.filter(campaign=pledge.campaign, referrer=relay)
    assert set(referred.values_list("user_id", flat=True)) == {person.pk for person in people}
    assert Lineage.objects.filter(ancestor=relay).count() == 2
    assert Milestone.objects.get().threshold == 2
    ids = list(Signature.objects.order_by("pk").values_list("pk", flat=True))
    assert [(kind, payload.get("milestone_id")) for kind, payload in heard] == [
        ("milestone", Milestone.objects.get().pk),
        ("settled", None),
    ]
    assert [signature["id"] for signature in heard[1][1]["signatures"]] == ids
    assert heard[1][1]["signatures"][1]["via"] == code

    # Settled once: the next settles find nothing.
    assert signatures_settle() == 0 and settle_due() == 0
    assert signature_count(pledge) == 3 and len(heard) == 2


def test_a_repeat_before_the_settle_is_one_signature_keeping_its_first_link(deferred):
    pledge = PledgeFactory.create()
    relays = UserFactory.create_batch(2)
    codes = [link_for(user=relay, campaign=pledge.campaign).code for relay in relays]
    person = UserFactory.create()
    pledge_sign(user=person, pledge=pledge, via=codes[0])
    pledge_sign(user=person, pledge=pledge, via=codes[1], show_name=True)

    signature = Signature.objects.get()
    assert signature.via == codes[0] and signature.show_name
    settle_due()
    assert signature_count(pledge) == 1
    assert Supporter.objects.get(user=person).referrer == relays[0]


def test_a_signature_withdrawn_before_the_settle_is_never_counted(deferred):
    pledge = PledgeFactory.create()
    staying, leaving = UserFactory.create_batch(2)
    pledge_sign(user=staying, pledge=pledge)
    pledge_sign(user=leaving, pledge=pledge)
    pledge_unsign(user=leaving, pledge=pledge)

    assert settle_due() == 1
    assert signature_count(pledge) == 1
    # Withdrawn after the settle: taken out of the count.
    pledge_unsign(user=staying, pledge=pledge)
    assert signature_count(pledge) == 0 == Signature.objects.count()


def test_a_settle_of_given_rows_leaves_the_others_for_later(deferred):
    pledge = PledgeFactory.create()
    for person in UserFactory.create_batch(3):
        pledge_sign(user=person, pledge=pledge)
    first = Signature.objects.earliest("pk")

    assert signatures_settle(ids=[first.pk]) == 1
    assert signature_count(pledge) == 1
    assert signatures_settle(limit=1) == 1
    assert settle_due() == 1
    assert signature_count(pledge) == 3


def test_inline_the_count_is_right_at_once():
    pledge = PledgeFactory.create()
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    assert signature_count(pledge) == 1
    assert not Signature.objects.filter(settled_at__isnull=True).exists()


def test_the_scheduler_settles_every_second():
    job = {job.name: job for job in scheduler.jobs()}["campaigns_settle"]
    assert job.every == 1 and job.run is settle_due


def test_a_settle_that_fails_midway_leaves_its_whole_batch_to_the_next_one(deferred):
    pledge = PledgeFactory.create(goal_ladder="2")
    for person in UserFactory.create_batch(3):
        pledge_sign(user=person, pledge=pledge)

    def fail(**payload: Any) -> None:
        raise RuntimeError("the settle dies after the tallies and the supporters")

    SIGNATURES_SETTLED.subscribe(fail)
    try:
        with pytest.raises(RuntimeError):
            signatures_settle()
    finally:
        SIGNATURES_SETTLED._now.remove(fail)
    assert signature_count(pledge) == 0
    assert not Supporter.objects.exists() and not Milestone.objects.exists()
    assert Signature.objects.filter(settled_at__isnull=True).count() == 3

    assert settle_due() == 3 and settle_due() == 0
    assert signature_count(pledge) == 3 == Supporter.objects.count()
    assert Milestone.objects.count() == 1


def test_a_challenge_join_is_recorded_and_credited_by_the_settle_once(deferred):
    challenge = ChallengeFactory.create()
    campaign = challenge.campaign
    cohost = CampaignHost.objects.create(
        campaign=campaign, user=UserFactory.create(), status="accepted"
    )
    relay, through_relay, through_cohost = UserFactory.create_batch(3)
    challenge_join(user=relay, challenge=challenge)
    code = link_for(user=relay, campaign=campaign).code
    challenge_join(user=through_relay, challenge=challenge, via=code)
    challenge_join(user=through_cohost, challenge=challenge, via=cohost.code)
    challenge_join(user=through_cohost, challenge=challenge, via=code)  # a second click

    # The requests wrote their rows, and nothing else yet.
    assert Participant.objects.filter(challenge=challenge).count() == 3
    assert not Supporter.objects.exists()
    assert not Participant.objects.filter(host__isnull=False).exists()

    assert participants_settle() == 3
    supporters = Supporter.objects.filter(campaign=campaign)
    assert set(supporters.values_list("user_id", "action")) == {
        (person.pk, Supporter.Action.JOIN) for person in (relay, through_relay, through_cohost)
    }
    assert supporters.get(user=through_relay).referrer == relay
    assert Participant.objects.get(user=through_cohost).host == cohost
    assert Participant.objects.get(user=through_relay).host is None
    assert not Participant.objects.filter(settled_at__isnull=True).exists()
    assert participants_settle() == 0 and settle_due() == 0
    assert Supporter.objects.filter(campaign=campaign).count() == 3


def test_the_scheduler_settles_joins_beside_signatures(deferred):
    pledge = PledgeFactory.create()
    challenge = ChallengeFactory.create(campaign=pledge.campaign)
    person = UserFactory.create()
    pledge_sign(user=person, pledge=pledge)
    challenge_join(user=person, challenge=challenge)
    assert settle_due() == 2
    # One person, two actions: one supporter, recorded by the first.
    assert Supporter.objects.get().action == Supporter.Action.SIGN


def test_guest_confirmation_e_mails_are_queued_by_the_settle_once_and_sent_by_the_batch(
    deferred, mailoutbox
):
    pledge = PledgeFactory.create()
    challenge = ChallengeFactory.create(campaign=pledge.campaign)
    signed = [
        guest_act(target=pledge, email=f"invite{n}@exemple.test", name=f"Invitée {n}")
        for n in range(3)
    ]
    joined = guest_act(target=challenge, email="invite0@exemple.test", name="Invitée 0")
    # The same address again: the same action, nothing more to queue.
    guest_act(target=pledge, email="invite1@exemple.test", name="Invitée 1")
    assert not OutboxMessage.objects.exists()
    assert GuestAction.objects.filter(settled_at__isnull=True).count() == 4

    queued: list[list[int]] = []
    handed = outbox.send_soon

    def send_soon(ids: Iterable[int]) -> None:
        queued.append(list(ids))
        handed(queued[-1])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "send_soon", send_soon)
        assert settle_due() == 4 and settle_due() == 0
    messages = OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL)
    assert sorted(message.payload["guest_action"] for message in messages) == sorted(
        action.pk for action in [*signed, joined]
    )
    # One hand-over to the task workers for the batch, not one per e-mail.
    assert queued == [sorted(message.pk for message in messages)]
    assert not GuestAction.objects.filter(settled_at__isnull=True).exists()
    assert outbox.dispatch(here=True) == 4
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [
            "invite0@exemple.test",
            "invite0@exemple.test",
            "invite1@exemple.test",
            "invite2@exemple.test",
        ]
    )


def test_a_guest_settle_that_fails_queues_nothing_and_leaves_its_batch_to_the_next(deferred):
    pledge = PledgeFactory.create()
    for n in range(2):
        guest_act(target=pledge, email=f"invite{n}@exemple.test", name=f"Invitée {n}")

    def fail(ids: Any) -> None:
        raise OperationalError("the database went away while queueing")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "send_soon", fail)
        with pytest.raises(OperationalError):
            guest_actions_settle()
    assert not OutboxMessage.objects.exists()
    assert GuestAction.objects.filter(settled_at__isnull=True).count() == 2
    assert guest_actions_settle() == 2 and guest_actions_settle() == 0
    assert OutboxMessage.objects.count() == 2


def test_a_row_that_breaks_its_settle_is_put_aside_and_the_rows_behind_it_are_settled(
    deferred, caplog
):
    pledge = PledgeFactory.create()
    people = UserFactory.create_batch(4)
    for person in people:
        pledge_sign(user=person, pledge=pledge)
    poison = Signature.objects.get(user=people[1])

    def break_on_poison(**payload: Any) -> None:
        if any(row["id"] == poison.pk for row in payload["signatures"]):
            raise ValueError("what follows this signature cannot be recorded")

    SIGNATURES_SETTLED.subscribe(break_on_poison)
    try:
        assert settle_due() == 3
        assert signature_count(pledge) == 3
        assert Signature.objects.filter(settled_at__isnull=True).get() == poison
        assert f"'id': {poison.pk}" in str([record.__dict__ for record in caplog.records])
        # Later runs pass it by instead of failing on it again.
        pledge_sign(user=UserFactory.create(), pledge=pledge)
        assert settle_due() == 1 and signature_count(pledge) == 4
    finally:
        SIGNATURES_SETTLED._now.remove(break_on_poison)
        settle.stuck.clear()
    # Once whatever broke is mended (here: a restart), it is settled like the others.
    assert settle_due() == 1 and signature_count(pledge) == 5


def test_a_database_failure_is_no_bad_row(deferred):
    pledge = PledgeFactory.create()
    pledge_sign(user=UserFactory.create(), pledge=pledge)

    def database_gone(**payload: Any) -> None:
        raise OperationalError("the server closed the connection")

    SIGNATURES_SETTLED.subscribe(database_gone)
    try:
        with pytest.raises(OperationalError):
            settle_due()
    finally:
        SIGNATURES_SETTLED._now.remove(database_gone)
    assert not settle.stuck[Signature]
    assert settle_due() == 1
