"""PostgreSQL full-text search for the board: accent-insensitive French and English
configurations and one GIN index per language. Nothing happens on other databases.

CREATE EXTENSION needs a role allowed to create it (a superuser, or the database owner on
PostgreSQL 13+ for trusted extensions such as unaccent).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

LANGUAGES = {"essaim_fr": ("french", "french_stem"), "essaim_en": ("english", "english_stem")}


def index_for(config: str) -> GinIndex:
    # Frozen copy of essaim.aid.search.search_vector(): queries use that same expression.
    vector = SearchVector("title", weight="A", config=config) + SearchVector(
        "body", "place", weight="B", config=config
    )
    return GinIndex(vector, name=f"aid_search_{config[-2:]}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for config, (parent, stemmer) in LANGUAGES.items():
        schema_editor.execute(
            f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{config}') THEN
                    CREATE TEXT SEARCH CONFIGURATION {config} (COPY = {parent});
                    ALTER TEXT SEARCH CONFIGURATION {config}
                        ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer};
                END IF;
            END $$;
            """
        )
    listing = apps.get_model("aid", "AidListing")
    for config in LANGUAGES:
        schema_editor.add_index(listing, index_for(config))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    listing = apps.get_model("aid", "AidListing")
    for config in LANGUAGES:
        schema_editor.remove_index(listing, index_for(config))
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config}")


class Migration(migrations.Migration):
    dependencies = [("aid", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
