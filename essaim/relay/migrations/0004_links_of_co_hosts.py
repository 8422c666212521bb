"""Share links made before their owner accepted to co-host speak for them as co-host.

`link_for` used to check, on every ask, whether the owner had become a co-host since; it no
longer looks (the acceptance re-points the link, `services.host_accepted`), so the links of
co-hosts who accepted before that are re-pointed once here."""

from django.db import migrations


def repoint(apps, schema_editor):  # type: ignore[no-untyped-def]
    CampaignHost = apps.get_model("campaigns", "CampaignHost")
    ShareLink = apps.get_model("relay", "ShareLink")
    accepted = CampaignHost.objects.filter(status="accepted", user__isnull=False)
    for host_id, campaign_id, user_id in accepted.values_list("pk", "campaign_id", "user_id"):
        ShareLink.objects.filter(campaign_id=campaign_id, owner_id=user_id).exclude(
            host_id=host_id
        ).update(host_id=host_id)


class Migration(migrations.Migration):
    dependencies = [
        ("relay", "0003_verbose_names"),
        ("campaigns", "0021_event_sphere_index"),
    ]

    operations = [migrations.RunPython(repoint, migrations.RunPython.noop, elidable=True)]
