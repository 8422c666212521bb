"""The guest signature becomes one pending guest action of a kind (sign, join, rsvp) on its
target, its rows kept: each is a signature, in its pledge's campaign."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import OuterRef, Subquery


def fill_campaign(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    GuestAction = apps.get_model("campaigns", "GuestAction")
    Pledge = apps.get_model("campaigns", "Pledge")
    GuestAction.objects.filter(campaign__isnull=True).update(
        campaign=Subquery(
            Pledge.objects.filter(pk=OuterRef("pledge_id")).values("campaign_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0011_signature_created_at_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="guestsignature", name="unique_guest_signature"),
        migrations.RenameModel(old_name="GuestSignature", new_name="GuestAction"),
        migrations.AlterModelOptions(
            name="guestaction",
            options={"verbose_name": "guest action", "verbose_name_plural": "guest actions"},
        ),
        migrations.RenameIndex(
            model_name="guestaction",
            new_name="guest_action_pending",
            old_name="guest_signature_pending",
        ),
        migrations.AddField(
            model_name="guestaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sign", "pledge signature"),
                    ("join", "challenge participation"),
                    ("rsvp", "RSVP"),
                ],
                default="sign",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="guestaction",
            name="campaign",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_actions",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddField(
            model_name="guestaction",
            name="challenge",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_actions",
                to="campaigns.challenge",
            ),
        ),
        migrations.AddField(
            model_name="guestaction",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_actions",
                to="campaigns.event",
            ),
        ),
        migrations.AlterField(
            model_name="guestaction",
            name="pledge",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_actions",
                to="campaigns.pledge",
            ),
        ),
        migrations.AlterField(
            model_name="guestaction",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_actions",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill_campaign, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="guestaction",
            name="campaign",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_actions",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddConstraint(
            model_name="guestaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "sign")),
                fields=("pledge", "user"),
                name="unique_guest_signature",
            ),
        ),
        migrations.AddConstraint(
            model_name="guestaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "join")),
                fields=("challenge", "user"),
                name="unique_guest_join",
            ),
        ),
        migrations.AddConstraint(
            model_name="guestaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "rsvp")),
                fields=("event", "user"),
                name="unique_guest_rsvp",
            ),
        ),
        migrations.AddConstraint(
            model_name="guestaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("challenge__isnull", True),
                        ("event__isnull", True),
                        ("kind", "sign"),
                        ("pledge__isnull", False),
                    ),
                    models.Q(
                        ("challenge__isnull", False),
                        ("event__isnull", True),
                        ("kind", "join"),
                        ("pledge__isnull", True),
                    ),
                    models.Q(
                        ("challenge__isnull", True),
                        ("event__isnull", False),
                        ("kind", "rsvp"),
                        ("pledge__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="guest_action_one_target",
            ),
        ),
    ]
