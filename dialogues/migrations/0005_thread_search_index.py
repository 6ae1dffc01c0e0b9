"""Search over thread titles on PostgreSQL from a stored vector with a GIN index.

Like 0004 for posts: each thread keeps its English `tsvector` in a column PostgreSQL computes
itself (GENERATED ... STORED) from the text dialogues/search/services.py searches
(`_text("title")`: angle brackets made spaces), with a GIN index over it. The column is not a
model field; the search reads it by name (`THREAD_VECTOR`). SQLite gets nothing here.
"""

from django.db import migrations

TABLE = "dialogues_thread"
COLUMN = "search_english"
INDEX = "dialogues_thread_search_english"
EXPRESSION = (
    "to_tsvector('english'::regconfig, COALESCE(replace(replace(title, '<', ' '), '>', ' '), ''))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({EXPRESSION}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} USING GIN ({COLUMN})"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("dialogues", "0004_post_search_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
