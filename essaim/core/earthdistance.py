"""The PostgreSQL indexes behind "within N km" (essaim.core.places.sphere_box_q and
nearest_first), for migrations.

`sphere_index` is the one in use: a GiST index on `places.unit_cube(latitude, longitude)`, built
from that very expression so that the query and the index cannot drift apart. It needs only the
`cube` extension, which ships with PostgreSQL (contrib); creating it needs a role allowed to (a
superuser, or the database owner for trusted extensions). `earth_index` is what the first
migrations created (earthdistance's `ll_to_earth`): kept so that they still run, then replaced.
On SQLite nothing happens: the distance search uses its bounding box on the (latitude,
longitude) index there.
"""

from typing import Any

from django.contrib.postgres.indexes import GistIndex
from django.db import migrations
from django.db.models import F, Q

from essaim.core.places import unit_cube


def earth_index(table: str, name: str) -> migrations.RunPython:
    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS cube")
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            "USING gist (ll_to_earth(latitude, longitude)) WHERE latitude IS NOT NULL"
        )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards, elidable=False)


def sphere_index(model: str, name: str, replaces: str) -> migrations.RunPython:
    """The GiST index on each row's point of the unit sphere (`app_label.Model`), in place of
    the `replaces` earthdistance index."""
    app_label, model_name = model.split(".")

    def index() -> GistIndex:
        return GistIndex(
            unit_cube(F("latitude"), F("longitude")),
            name=name,
            condition=Q(latitude__isnull=False),
        )

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS cube")
        schema_editor.execute(f"DROP INDEX IF EXISTS {replaces}")
        schema_editor.add_index(apps.get_model(app_label, model_name), index())

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.remove_index(apps.get_model(app_label, model_name), index())

    return migrations.RunPython(forwards, backwards, elidable=False)
