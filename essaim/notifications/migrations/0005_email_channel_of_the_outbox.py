"""Notification e-mails leave through the core outbox: each pending or failed e-mail gets its
outbox message (failed ones dead, with their attempts and error, for an administrator to retry),
then the e-mail's own retry columns go."""


import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

BATCH = 1000


def carry_over(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    now = timezone.now()
    waiting = Delivery.objects.filter(status__in=["pending", "failed"], message__isnull=True)
    while batch := list(waiting.order_by("pk")[:BATCH]):
        messages = OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    channel="email",
                    payload={"delivery": delivery.pk},
                    state="dead" if delivery.status == "failed" else "pending",
                    # A backoff under way is kept; a lease of a queued send (no attempt yet)
                    # belonged to a task of the previous version: due now.
                    due_at=delivery.next_attempt_at
                    if delivery.attempts and delivery.next_attempt_at
                    else now,
                    attempts=delivery.attempts,
                    last_error=delivery.last_error,
                )
                for delivery in batch
            ]
        )
        for delivery, message in zip(batch, messages, strict=True):
            delivery.message_id = message.pk
            delivery.status = "pending"
        Delivery.objects.bulk_update(batch, ["message", "status"])


def carry_back(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    waiting = Delivery.objects.filter(status="pending", message__isnull=False).select_related(
        "message"
    )
    for delivery in waiting.iterator(chunk_size=BATCH):
        message = delivery.message
        delivery.status = "failed" if message.state == "dead" else "pending"
        delivery.attempts = message.attempts
        delivery.last_error = message.last_error
        delivery.next_attempt_at = message.due_at
        delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox_message"),
        ("notifications", "0004_verbose_names"),
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
        migrations.RemoveField(model_name="delivery", name="attempts"),
        migrations.RemoveField(model_name="delivery", name="last_error"),
        migrations.RemoveField(model_name="delivery", name="next_attempt_at"),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("sent", "Sent"), ("skipped", "Nothing to send")],
                default="pending",
                max_length=10,
            ),
        ),
    ]
