"""On PostgreSQL: the GiST index for distance search on the unit sphere's cube, which also
gives rows nearest first, in place of earthdistance's (see essaim.core.earthdistance)."""

from django.db import migrations

from essaim.core.earthdistance import sphere_index


class Migration(migrations.Migration):
    dependencies = [("aid", "0004_aidlisting_place")]

    operations = [sphere_index("aid.AidListing", "aid_sphere", replaces="aid_earth")]
