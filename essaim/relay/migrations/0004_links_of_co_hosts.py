"""Share links made before their owner accepted to co-host speak for them as co-host.

`link_for` used to check, on every ask, whether the owner had become a co-host since; it no
longer looks (the acceptance re-points the link, `services.host_accepted`), so the links of
co-hosts who accepted before that are re-pointed once here."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery


def repoint(apps, schema_editor):  # type: ignore[no-untyped-def]
    CampaignHost = apps.get_model("campaigns", "CampaignHost")
    ShareLink = apps.get_model("relay", "ShareLink")
    # One update: each link whose owner accepted to co-host its campaign, to that host row.
    their_host = CampaignHost.objects.filter(
        campaign_id=OuterRef("campaign_id"), user_id=OuterRef("owner_id"), status="accepted"
    )
    ShareLink.objects.filter(Exists(their_host)).update(
        host_id=Subquery(their_host.values("pk")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("relay", "0003_verbose_names"),
        ("campaigns", "0021_event_sphere_index"),
    ]

    operations = [migrations.RunPython(repoint, migrations.RunPython.noop, elidable=True)]
