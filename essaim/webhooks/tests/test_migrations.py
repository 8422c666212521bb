"""Every webhook delivery gets an outbox message that keeps what its log showed."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from essaim.campaigns.tests.factories import CampaignFactory
from essaim.core.tests.migrations import back_to_latest

BEFORE = [("webhooks", "0003_verbose_names"), ("core", "0001_outbox_message")]
AFTER = [("webhooks", "0004_webhook_channel_of_the_outbox")]


@pytest.mark.django_db(transaction=True)
def test_every_delivery_is_carried_over_with_its_status_attempts_and_next_try() -> None:
    with back_to_latest():
        campaign = CampaignFactory.create()  # the campaigns' tables stay as they are
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Endpoint = old.get_model("webhooks", "Endpoint")
        Delivery = old.get_model("webhooks", "Delivery")
        endpoint = Endpoint.objects.create(campaign_id=campaign.pk, url="https://hooks.test/")
        later = timezone.now() + timedelta(hours=2)
        statuses: dict[str, dict[str, Any]] = {
            "pending": {},
            "failed": {"attempts": 3, "next_attempt_at": later, "response_status": 503},
            "sending": {"attempts": 2, "next_attempt_at": later},
            "succeeded": {"attempts": 1, "delivered_at": timezone.now(), "response_status": 200},
            "gave_up": {"attempts": 8, "response_status": 500},
            "held": {},
        }
        rows = {
            status: Delivery.objects.create(
                endpoint=endpoint,
                event_id=f"ping:{status}",
                event_type="ping",
                status=status,
                **extra,
            )
            for status, extra in statuses.items()
        }
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        Delivery = executor.loader.project_state(AFTER).apps.get_model("webhooks", "Delivery")
        carried = {
            status: Delivery.objects.select_related("message").get(pk=row.pk).message
            for status, row in rows.items()
        }
        assert {status: (m.channel, m.state, m.attempts) for status, m in carried.items()} == {
            "pending": ("webhook", "pending", 0),
            "failed": ("webhook", "pending", 3),
            "sending": ("webhook", "pending", 2),
            "succeeded": ("webhook", "sent", 1),
            "gave_up": ("webhook", "dead", 8),
            "held": ("webhook", "held", 0),
        }
        assert carried["failed"].due_at == later and carried["failed"].last_error == "HTTP 503"
        assert carried["succeeded"].sent_at is not None
        assert {m.payload["delivery"] for m in carried.values()} == {r.pk for r in rows.values()}
        # Back: the previous schema reads the same statuses.
        executor = MigrationExecutor(connection)
        executor.migrate([("webhooks", "0003_verbose_names")])
        Delivery = executor.loader.project_state(
            [("webhooks", "0003_verbose_names")]
        ).apps.get_model("webhooks", "Delivery")
        back = dict(Delivery.objects.values_list("event_id", "status"))
        assert back == {
            "ping:pending": "pending",
            "ping:failed": "failed",
            "ping:sending": "failed",  # its attempt counted, tried again
            "ping:succeeded": "succeeded",
            "ping:gave_up": "gave_up",
            "ping:held": "held",
        }
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
