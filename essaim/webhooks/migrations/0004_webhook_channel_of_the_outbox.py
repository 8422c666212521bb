"""Webhook deliveries leave through the core outbox: every delivery gets its outbox message (so
the delivery log keeps showing each one's status, attempts and next try), then the delivery's
own retry columns go."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

BATCH = 1000
# The delivery's status → the message's state.
STATES = {
    "pending": "pending",
    "failed": "pending",
    # An attempt in flight at the upgrade: its sender's outcome has nowhere to go any more,
    # so it is tried again when its lease ends.
    "sending": "pending",
    "succeeded": "sent",
    "gave_up": "dead",
    "held": "held",
}
STATUSES = {"sent": "succeeded", "dead": "gave_up", "held": "held", "cancelled": "gave_up"}


def carry_over(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    now = timezone.now()
    waiting = Delivery.objects.filter(message__isnull=True)
    while batch := list(waiting.order_by("pk")[:BATCH]):
        messages = OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    channel="webhook",
                    payload={"delivery": delivery.pk},
                    state=STATES.get(delivery.status, "dead"),
                    due_at=delivery.next_attempt_at or now,
                    attempts=delivery.attempts,
                    last_error=f"HTTP {delivery.response_status}"
                    if delivery.status in ("failed", "gave_up") and delivery.response_status
                    else "",
                    sent_at=delivery.delivered_at if delivery.status == "succeeded" else None,
                )
                for delivery in batch
            ]
        )
        for delivery, message in zip(batch, messages, strict=True):
            delivery.message_id = message.pk
        Delivery.objects.bulk_update(batch, ["message"])


def carry_back(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    for delivery in Delivery.objects.select_related("message").iterator(chunk_size=BATCH):
        message = delivery.message
        if message is None:
            delivery.status = "gave_up"
        elif message.state == "pending":
            delivery.status = "failed" if message.attempts else "pending"
        else:
            delivery.status = STATUSES.get(message.state, "sending")
        delivery.attempts = message.attempts if message else 0
        delivery.next_attempt_at = message.due_at if message else None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox_message"),
        ("webhooks", "0003_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="message",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.outboxmessage",
            ),
        ),
        migrations.RunPython(carry_over, carry_back),
        migrations.RemoveIndex(model_name="delivery", name="webhook_delivery_due"),
        migrations.RemoveIndex(model_name="delivery", name="webhook_delivery_leased"),
        migrations.RemoveField(model_name="delivery", name="attempts"),
        migrations.RemoveField(model_name="delivery", name="next_attempt_at"),
        migrations.RemoveField(model_name="delivery", name="status"),
    ]
