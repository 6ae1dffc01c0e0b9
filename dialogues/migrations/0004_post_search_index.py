"""Search over posts on PostgreSQL from a stored vector with a GIN index.

Each post keeps its English `tsvector` in a column PostgreSQL computes itself (GENERATED ...
STORED) from the text dialogues/search/services.py searches (`_text("body_source")`: angle
brackets made spaces), and a GIN index over it: a query finds its posts in the index and ranks
them without rebuilding every post's vector. The column is not a model field; the search reads
it by name (`POST_VECTOR`). Adding it rewrites the posts table once; the index is then built
CONCURRENTLY, so the table stays writable. SQLite searches another way and gets nothing here.
"""

from django.db import migrations

COLUMN = "search_english"
INDEX = "dialogues_post_search_english"
EXPRESSION = (
    "to_tsvector('english'::regconfig, "
    "COALESCE(replace(replace(body_source, '<', ' '), '>', ' '), ''))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE dialogues_post ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({EXPRESSION}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON dialogues_post USING GIN ({COLUMN})"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE dialogues_post DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("dialogues", "0003_dialogue_sessions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
