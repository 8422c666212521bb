"""The PostgreSQL index behind "within N km" (essaim.core.places.earth_box_q), for migrations.

The `cube` and `earthdistance` extensions ship with PostgreSQL (contrib); creating them needs a
role allowed to (a superuser, or the database owner for trusted extensions). On SQLite nothing
happens: the distance search uses its bounding box on the (latitude, longitude) index there.
"""

from typing import Any

from django.db import migrations


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
