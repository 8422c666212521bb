"""The campaigns' data migrations: guest signatures become guest actions of kind sign, each
in its pledge's campaign, with everything they recorded; guest actions from before the settle
count as queued."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core.tests.migrations import back_to_latest

BEFORE = [("campaigns", "0011_signature_created_at_index")]
AFTER = [("campaigns", "0012_guest_action")]


@pytest.mark.django_db(transaction=True)
def test_guest_signatures_are_kept_as_guest_actions_of_kind_sign() -> None:
    with back_to_latest():
        pledges = PledgeFactory.create_batch(2)
        people = UserFactory.create_batch(2)
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        GuestSignature = executor.loader.project_state(BEFORE).apps.get_model(
            "campaigns", "GuestSignature"
        )
        confirmed_at = timezone.now()
        rows = [
            GuestSignature.objects.create(
                pledge_id=pledges[0].pk,
                user_id=people[0].pk,
                via="abc123",
                postcode="75011",
                hear_from_hosts=True,
                consent="I agree.",
                network="192.0.2.0/24",
                confirmed_at=confirmed_at,
            ),
            GuestSignature.objects.create(
                pledge_id=pledges[1].pk, user_id=people[1].pk, consent="J'accepte."
            ),
        ]
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        GuestAction = executor.loader.project_state(AFTER).apps.get_model(
            "campaigns", "GuestAction"
        )
        fields = (
            "pk",
            "kind",
            "campaign_id",
            "pledge_id",
            "user_id",
            "via",
            "postcode",
            "hear_from_hosts",
            "consent",
            "network",
            "confirmed_at",
        )
        assert list(GuestAction.objects.order_by("pk").values_list(*fields)) == [
            (
                rows[0].pk,
                "sign",
                pledges[0].campaign_id,
                pledges[0].pk,
                people[0].pk,
                "abc123",
                "75011",
                True,
                "I agree.",
                "192.0.2.0/24",
                confirmed_at,
            ),
            (
                rows[1].pk,
                "sign",
                pledges[1].campaign_id,
                pledges[1].pk,
                people[1].pk,
                "",
                "",
                False,
                "J'accepte.",
                "",
                None,
            ),
        ]
        # Still once per pledge and person.
        with pytest.raises(IntegrityError), transaction.atomic():
            GuestAction.objects.create(
                kind="sign",
                campaign_id=pledges[0].campaign_id,
                pledge_id=pledges[0].pk,
                user_id=people[0].pk,
                consent="again",
            )


@pytest.mark.django_db(transaction=True)
def test_guest_actions_from_before_the_settle_count_as_queued() -> None:
    """Their confirmation e-mails were queued when they were written: the settle must not
    queue them again."""
    before = [("campaigns", "0021_event_sphere_index")]
    after = [("campaigns", "0022_guest_action_settle")]
    with back_to_latest():
        pledge = PledgeFactory.create()
        person = UserFactory.create()
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        OldGuestAction = executor.loader.project_state(before).apps.get_model(
            "campaigns", "GuestAction"
        )
        old = OldGuestAction.objects.create(
            kind="sign",
            campaign_id=pledge.campaign_id,
            pledge_id=pledge.pk,
            user_id=person.pk,
            consent="J'accepte.",
        )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        GuestAction = executor.loader.project_state(after).apps.get_model(
            "campaigns", "GuestAction"
        )
        assert GuestAction.objects.get(pk=old.pk).settled_at == old.created_at
