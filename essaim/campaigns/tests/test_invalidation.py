"""Setting suspicious signatures aside in a batch, as the UK e-petitions site does: the
count drops through the tally and comes back exactly on restore, audited, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.accounts.services import user_delete, user_suspend
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    GuestAction,
    Pledge,
    Signature,
    SignatureInvalidation,
)
from essaim.campaigns.selectors import host_leaderboard, signature_count
from essaim.campaigns.selectors.invalidation import Criteria, invalidation_preview
from essaim.campaigns.services.guest import confirmation_token, guest_act, guest_confirm
from essaim.campaigns.services.invalidation import (
    criteria_clean,
    signatures_invalidate,
    signatures_restore,
)
from essaim.campaigns.services.pledge import pledge_sign, pledge_unsign
from essaim.campaigns.services.settle import settle_due
from essaim.campaigns.services.tally import tally_rebuild
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core.errors import NotFound, PermissionDenied, ValidationError
from essaim.moderation.models import Action
from essaim.webhooks.payloads import signature_event

pytestmark = pytest.mark.django_db

SPAM_NETWORK = "198.51.100.0/24"
HOME_NETWORK = "203.0.113.0/24"


def guest(pledge: Pledge, email: str, network: str = HOME_NETWORK) -> GuestAction:
    """A signature given without an account and confirmed: counted."""
    signature = guest_act(target=pledge, email=email, name="Invité", network=network)
    guest_confirm(token=confirmation_token(signature), campaign=pledge.campaign)
    return signature


def crowd(pledge: Pledge) -> None:
    """Three suspects from one network at one domain, two genuine guests, one account."""
    for number in range(3):
        guest(pledge, f"bot{number}@spam.test", SPAM_NETWORK)
    guest(pledge, "ines@exemple.test")
    guest(pledge, "karim@mail.spam.test")
    pledge_sign(user=UserFactory.create(), pledge=pledge)


def consistent(pledge: Pledge) -> int:
    """The count the pages show, checked against a recount from the rows."""
    shown = signature_count(pledge)
    assert tally_rebuild(pledge) == shown
    return shown


def host_of(pledge: Pledge):
    return pledge.campaign.created_by


def test_a_batch_by_domain_stops_counting_and_its_restore_brings_back_exactly_as_many():
    pledge = PledgeFactory.create()
    crowd(pledge)
    host = host_of(pledge)
    assert consistent(pledge) == 6

    batch = signatures_invalidate(
        actor=host,
        pledge=pledge,
        criteria=criteria_clean(email_domain="@Spam.test"),
        reason="Vague",
    )

    assert batch is not None
    # The domain and its subdomains; neither the other guest nor the account holder.
    assert batch.count == 4
    assert Signature.objects.filter(invalidation=batch).count() == 4
    assert consistent(pledge) == 2
    audit = Action.objects.get(kind=Action.Kind.INVALIDATE)
    assert (audit.actor, audit.reason, audit.summary) == (host, "Vague", pledge.campaign.title)
    assert audit.reason_params == {"count": 4, "batch": batch.pk, "reason": "Vague"}

    restored = signatures_restore(actor=host, invalidation=batch)

    assert restored.restored_at is not None
    assert restored.restored_by == host
    assert not Signature.objects.filter(invalidation__isnull=False).exists()
    assert consistent(pledge) == 6
    assert Action.objects.filter(kind=Action.Kind.REVALIDATE, actor=host).count() == 1


@pytest.mark.parametrize(
    ("criteria", "selected"),
    [
        ({"network": "198.51.100.77"}, 3),
        ({"network": SPAM_NETWORK, "email_domain": "spam.test"}, 3),
        ({"network": HOME_NETWORK}, 2),
        ({"email_domain": "exemple.test"}, 1),
        ({"email_domain": "nowhere.test"}, 0),
    ],
)
def test_criteria_select_by_network_and_domain(criteria, selected):
    pledge = PledgeFactory.create()
    crowd(pledge)

    count, _sample = invalidation_preview(pledge, criteria_clean(**criteria), host_of(pledge))

    assert count == selected


def test_a_time_window_selects_the_signatures_counted_within_it():
    pledge = PledgeFactory.create()
    crowd(pledge)
    now = timezone.now()
    old = Signature.objects.filter(user__email__startswith="bot")
    old.update(created_at=now - timedelta(days=2))
    host = host_of(pledge)

    window = Criteria(signed_from=now - timedelta(days=3), signed_until=now - timedelta(days=1))
    batch = signatures_invalidate(actor=host, pledge=pledge, criteria=window, reason="Vague")

    assert batch is not None and batch.count == 3
    assert set(Signature.objects.filter(invalidation=batch)) == set(old)
    assert consistent(pledge) == 3


def test_the_same_form_twice_makes_one_batch_and_the_same_criteria_again_find_nothing():
    pledge = PledgeFactory.create()
    crowd(pledge)
    host = host_of(pledge)
    criteria = criteria_clean(network=SPAM_NETWORK)

    first = signatures_invalidate(
        actor=host, pledge=pledge, criteria=criteria, reason="Vague", key="k1"
    )
    again = signatures_invalidate(
        actor=host, pledge=pledge, criteria=criteria, reason="Vague", key="k1"
    )
    other = signatures_invalidate(
        actor=host, pledge=pledge, criteria=criteria, reason="Vague", key="k2"
    )

    assert first is not None and again == first
    assert other is None
    assert SignatureInvalidation.objects.count() == 1
    assert Action.objects.filter(kind=Action.Kind.INVALIDATE).count() == 1
    assert consistent(pledge) == 3

    signatures_restore(actor=host, invalidation=first)
    signatures_restore(actor=host, invalidation=first)

    assert consistent(pledge) == 6
    assert Action.objects.filter(kind=Action.Kind.REVALIDATE).count() == 1


def test_empty_criteria_need_an_explicit_confirmation_and_never_take_account_holders():
    pledge = PledgeFactory.create()
    crowd(pledge)
    host = host_of(pledge)

    with pytest.raises(ValidationError):
        signatures_invalidate(actor=host, pledge=pledge, criteria=Criteria(), reason="Tout")
    assert consistent(pledge) == 6
    assert not SignatureInvalidation.objects.exists()

    batch = signatures_invalidate(
        actor=host, pledge=pledge, criteria=Criteria(), reason="Tout", everything=True
    )

    assert batch is not None and batch.count == 5
    assert consistent(pledge) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"email_domain": "pas un domaine"},
        {"email_domain": "exemple..test"},
        {"network": "n'importe quoi"},
        {"network": "10.0.0.0/8"},
        {"network": "2001:db8::/32"},
        {
            "signed_from": timezone.now(),
            "signed_until": timezone.now() - timedelta(hours=1),
        },
    ],
)
def test_criteria_that_mean_nothing_are_a_clear_error(fields):
    with pytest.raises(ValidationError):
        criteria_clean(**fields)


def test_an_invalidation_without_a_reason_is_refused():
    pledge = PledgeFactory.create()
    crowd(pledge)

    with pytest.raises(ValidationError):
        signatures_invalidate(
            actor=host_of(pledge),
            pledge=pledge,
            criteria=Criteria(network=SPAM_NETWORK),
            reason=" ",
        )

    assert consistent(pledge) == 6


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("outsider", PermissionDenied),
        ("outsider of a draft", NotFound),
        ("suspended host", PermissionDenied),
    ],
)
def test_who_is_neither_host_nor_moderator_sets_nothing_aside_nor_restores(who, error):
    pledge = PledgeFactory.create()
    crowd(pledge)
    host = host_of(pledge)
    batch = signatures_invalidate(
        actor=host, pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="Vague"
    )
    assert batch is not None
    actor = UserFactory.create()
    if who == "outsider of a draft":
        Campaign.objects.filter(pk=pledge.campaign_id).update(status=Campaign.Status.DRAFT)
    if who == "suspended host":
        actor = host
        user_suspend(
            actor=UserFactory.create(is_staff=True, is_superuser=True),
            user=host,
            until=timezone.now() + timedelta(days=1),
        )

    with pytest.raises(error):
        signatures_invalidate(
            actor=actor, pledge=pledge, criteria=Criteria(email_domain="exemple.test"), reason="x"
        )
    with pytest.raises(error):
        signatures_restore(actor=actor, invalidation=batch)

    batch.refresh_from_db()
    assert batch.restored_at is None
    assert SignatureInvalidation.objects.count() == 1
    assert consistent(pledge) == 3


def test_the_instance_moderators_invalidate_and_read_the_addresses_hosts_read_masked():
    pledge = PledgeFactory.create()
    guest(pledge, "bot0@spam.test", SPAM_NETWORK)
    moderator = UserFactory.create(is_staff=True)
    criteria = Criteria(network=SPAM_NETWORK)

    _count, for_host = invalidation_preview(pledge, criteria, host_of(pledge))
    _count, for_staff = invalidation_preview(pledge, criteria, moderator)

    assert [each.email for each in for_host] == ["•••@spam.test"]
    assert [each.email for each in for_staff] == ["bot0@spam.test"]
    assert for_host[0].network == SPAM_NETWORK
    batch = signatures_invalidate(actor=moderator, pledge=pledge, criteria=criteria, reason="Bots")
    assert batch is not None and batch.actor == moderator
    assert consistent(pledge) == 0


def test_signing_again_leaves_the_signature_set_aside_and_it_cannot_be_withdrawn():
    pledge = PledgeFactory.create()
    crowd(pledge)
    host = host_of(pledge)
    batch = signatures_invalidate(
        actor=host, pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="Vague"
    )
    bot = GuestAction.objects.get(user__email="bot0@spam.test").user

    # The guest form again, the confirmation again, a click on Sign: the same row, set aside.
    guest_act(target=pledge, email="bot0@spam.test", name="Bot", network=SPAM_NETWORK)
    pledge_sign(user=bot, pledge=pledge)
    with pytest.raises(ValidationError):
        pledge_unsign(user=bot, pledge=pledge)

    assert Signature.objects.get(user=bot).invalidation == batch
    assert consistent(pledge) == 3


def test_signatures_not_yet_settled_are_settled_then_set_aside_and_the_settle_adds_nothing(
    settings,
):
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create()
    crowd(pledge)
    assert signature_count(pledge) == 0

    batch = signatures_invalidate(
        actor=host_of(pledge), pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="V"
    )
    settle_due()

    assert batch is not None and batch.count == 3
    assert consistent(pledge) == 3
    signatures_restore(actor=host_of(pledge), invalidation=batch)
    assert consistent(pledge) == 6


def test_a_set_aside_signer_who_closes_their_account_is_not_taken_out_twice():
    pledge = PledgeFactory.create()
    crowd(pledge)
    host = host_of(pledge)
    batch = signatures_invalidate(
        actor=host, pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="Vague"
    )
    assert batch is not None

    user_delete(user=GuestAction.objects.get(user__email="bot0@spam.test").user)

    assert consistent(pledge) == 3
    signatures_restore(actor=host, invalidation=batch)
    assert consistent(pledge) == 5
    assert Action.objects.get(kind=Action.Kind.REVALIDATE).reason_params["count"] == 2


def test_a_set_aside_signature_sends_no_webhook_and_webhooks_count_as_the_pages_do():
    pledge = PledgeFactory.create()
    crowd(pledge)
    signatures_invalidate(
        actor=host_of(pledge), pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="V"
    )
    set_aside = Signature.objects.filter(invalidation__isnull=False).earliest("pk")
    counted = Signature.objects.filter(invalidation__isnull=True).earliest("pk")

    event = signature_event(counted.pk)

    assert signature_event(set_aside.pk) is None
    assert event is not None and event.payload["data"]["signatures"] == 3


def test_a_batch_set_aside_credits_no_co_host_on_the_leaderboard():
    pledge = PledgeFactory.create()
    crowd(pledge)
    cohost = CampaignHost.objects.create(
        campaign=pledge.campaign, user=UserFactory.create(), status=CampaignHost.Status.ACCEPTED
    )
    # What relay records when the signers came through the co-host's link.
    Signature.objects.filter(user__email__endswith="spam.test").update(host=cohost)

    def credited() -> tuple[int, int]:
        [row] = [row for row in host_leaderboard(pledge.campaign) if row["host"] == cohost]
        return row["signatures"], row["people"]

    assert credited() == (4, 4)
    batch = signatures_invalidate(
        actor=host_of(pledge), pledge=pledge, criteria=Criteria(network=SPAM_NETWORK), reason="V"
    )
    assert credited() == (1, 1)
    assert batch is not None
    signatures_restore(actor=host_of(pledge), invalidation=batch)
    assert credited() == (4, 4)
