"""On PostgreSQL: the GiST index for distance search on the unit sphere's cube, which also
gives rows nearest first, in place of earthdistance's (see essaim.core.earthdistance)."""

from django.db import migrations

from essaim.core.earthdistance import sphere_index


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0020_campaign_video")]

    operations = [sphere_index("campaigns.Event", "event_sphere", replaces="event_earth")]
