"""Campaigns acted on before the relay existed get their supporter registry: each person's
first action, direct or credited to the co-host code it came with (no referral can be
reconstructed, so every such cascade is a lone root)."""

from django.db import migrations


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    Supporter = apps.get_model("relay", "Supporter")
    sources = [
        ("sign", apps.get_model("campaigns", "Signature"), "pledge__campaign_id", {}),
        ("join", apps.get_model("campaigns", "Participant"), "challenge__campaign_id", {}),
        ("rsvp", apps.get_model("campaigns", "Rsvp"), "event__campaign_id", {}),
        (
            "give",
            apps.get_model("campaigns", "Donation"),
            "fundraiser__campaign_id",
            {"status": "succeeded", "user__isnull": False},
        ),
    ]
    first: dict[tuple[int, int], tuple] = {}
    for action, model, campaign_field, filters in sources:
        rows = model.objects.filter(**filters).values_list(
            campaign_field, "user_id", "created_at", "host_id"
        )
        for campaign_id, user_id, created_at, host_id in rows.iterator():
            key = (campaign_id, user_id)
            if key not in first or created_at < first[key][0]:
                first[key] = (created_at, action, host_id)
    Supporter.objects.bulk_create(
        [
            Supporter(
                campaign_id=campaign_id,
                user_id=user_id,
                action=action,
                source="cohost" if host_id else "direct",
                root_id=user_id,
                generation=0,
                created_at=created_at,
                day=timezone.localdate(created_at),
            )
            for (campaign_id, user_id), (created_at, action, host_id) in first.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("relay", "0001_initial"), ("campaigns", "0002_donation_via")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
