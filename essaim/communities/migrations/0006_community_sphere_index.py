"""On PostgreSQL: the GiST index for distance search on the unit sphere's cube, which also
gives rows nearest first, in place of earthdistance's (see essaim.core.earthdistance)."""

from django.db import migrations

from essaim.core.earthdistance import sphere_index


class Migration(migrations.Migration):
    dependencies = [("communities", "0005_community_place")]

    operations = [sphere_index("communities.Community", "community_sphere", replaces="community_earth")]
