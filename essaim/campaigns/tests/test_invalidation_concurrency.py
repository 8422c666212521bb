"""Invalidation, exact under concurrency: real threads, each on its own PostgreSQL
connection. Two people setting overlapping batches aside, the same form twice, a settle
beside an invalidation, two restores: every signature in one batch at most, and the count
equal to a recount."""

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost, Pledge, Signature, SignatureInvalidation
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.selectors.invalidation import Criteria
from essaim.campaigns.services.invalidation import signatures_invalidate, signatures_restore
from essaim.campaigns.services.settle import settle_due
from essaim.campaigns.services.tally import tally_rebuild
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.campaigns.tests.test_invalidation import HOME_NETWORK, SPAM_NETWORK, guest
from essaim.core.tests.concurrency import run_together
from essaim.moderation.models import Action

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _crowd(pledge: Pledge, suspects: int = 20) -> None:
    for number in range(suspects):
        guest(pledge, f"bot{number}@spam.test", SPAM_NETWORK)
    for number in range(5):
        guest(pledge, f"voisin{number}@exemple.test", HOME_NETWORK)


def _consistent(pledge: Pledge) -> int:
    shown = signature_count(pledge)
    assert tally_rebuild(pledge) == shown
    return shown


def test_two_hosts_setting_overlapping_batches_aside_at_once_take_each_signature_once():
    pledge = PledgeFactory.create()
    _crowd(pledge)
    cohost = UserFactory.create()
    CampaignHost.objects.create(
        campaign=pledge.campaign, user=cohost, status=CampaignHost.Status.ACCEPTED
    )
    host = pledge.campaign.created_by
    by_network = Criteria(network=SPAM_NETWORK)
    by_domain = Criteria(email_domain="spam.test")

    batches = run_together(
        *[
            lambda actor=actor, criteria=criteria: signatures_invalidate(
                actor=actor, pledge=pledge, criteria=criteria, reason="Vague"
            )
            for actor, criteria in [(host, by_network), (cohost, by_domain)] * 3
        ]
    )

    made = [batch for batch in batches if batch is not None]
    assert sum(batch.count for batch in made) == 20
    assert Signature.objects.filter(invalidation__isnull=False).count() == 20
    assert SignatureInvalidation.objects.count() == len(made)
    assert Action.objects.filter(kind=Action.Kind.INVALIDATE).count() == len(made)
    assert _consistent(pledge) == 5


def test_the_same_form_sent_ten_times_at_once_is_one_batch():
    pledge = PledgeFactory.create()
    _crowd(pledge)
    host = pledge.campaign.created_by

    batches = run_together(
        *[
            lambda: signatures_invalidate(
                actor=host,
                pledge=pledge,
                criteria=Criteria(network=SPAM_NETWORK),
                reason="Vague",
                key="un-seul-formulaire",
            )
            for _ in range(10)
        ]
    )

    assert {batch.pk for batch in batches if batch is not None} == {
        SignatureInvalidation.objects.get().pk
    }
    assert _consistent(pledge) == 5


def test_an_invalidation_beside_running_settles_counts_every_row_once(settings):
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create()
    _crowd(pledge)
    host = pledge.campaign.created_by

    run_together(
        lambda: signatures_invalidate(
            actor=host, pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="Vague"
        ),
        settle_due,
        settle_due,
    )
    settle_due()

    assert not Signature.objects.filter(settled_at__isnull=True).exists()
    assert _consistent(pledge) == 5


def test_two_restores_at_once_count_the_batch_back_once():
    pledge = PledgeFactory.create()
    _crowd(pledge)
    host = pledge.campaign.created_by
    batch = signatures_invalidate(
        actor=host, pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="Vague"
    )
    assert batch is not None

    run_together(*[lambda: signatures_restore(actor=host, invalidation=batch) for _ in range(5)])

    assert Action.objects.filter(kind=Action.Kind.REVALIDATE).count() == 1
    assert _consistent(pledge) == 25
