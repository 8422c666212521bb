"""The e-mails pending or failed under the previous outbox are carried over to the core outbox."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.core.tests.migrations import back_to_latest

BEFORE = [("notifications", "0004_verbose_names")]
AFTER = [("notifications", "0005_email_channel_of_the_outbox")]


@pytest.mark.django_db(transaction=True)
def test_pending_and_failed_emails_get_their_outbox_message() -> None:
    with back_to_latest():
        person = UserFactory.create()  # accounts' tables stay as they are
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Delivery = old.get_model("notifications", "Delivery")
        later = timezone.now() + timedelta(minutes=4)
        rows = {
            "queued": Delivery.objects.create(user_id=person.pk, key="a", next_attempt_at=later),
            "backing-off": Delivery.objects.create(
                user_id=person.pk, key="b", attempts=2, last_error="refused", next_attempt_at=later
            ),
            "failed": Delivery.objects.create(
                user_id=person.pk, key="c", status="failed", attempts=8, last_error="refused"
            ),
            "sent": Delivery.objects.create(user_id=person.pk, key="d", status="sent", attempts=1),
        }
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Delivery = new.get_model("notifications", "Delivery")
        carried = {
            name: Delivery.objects.select_related("message").get(pk=row.pk)
            for name, row in rows.items()
        }
        assert carried["sent"].message is None and carried["sent"].status == "sent"
        summary = {
            name: (
                d.status,
                d.message.channel,
                d.message.state,
                d.message.attempts,
                d.message.last_error,
            )
            for name, d in carried.items()
            if name != "sent"
        }
        assert summary == {
            "queued": ("pending", "email", "pending", 0, ""),
            "backing-off": ("pending", "email", "pending", 2, "refused"),
            "failed": ("pending", "email", "dead", 8, "refused"),
        }
        assert carried["backing-off"].message.due_at == later
        assert carried["queued"].message.due_at <= timezone.now()  # the old task's lease: due now
        assert {d.message.payload["delivery"] for d in carried.values() if d.message} == {
            rows[name].pk for name in ("queued", "backing-off", "failed")
        }
        # Back and forth: the previous schema gets its rows back.
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        Delivery = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Delivery")
        assert Delivery.objects.get(pk=rows["failed"].pk).status == "failed"
        assert Delivery.objects.get(pk=rows["backing-off"].pk).attempts == 2
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
