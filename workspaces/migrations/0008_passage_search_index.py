"""Search inside documents on PostgreSQL: each document passage keeps its vector.

As 0006 did for documents and workspaces: `search_vector`, a column PostgreSQL computes itself
(GENERATED ... STORED) with 0006's `enclave_search_vector` from the passage's text (angle
brackets made spaces, the text dialogues/search/services.py cuts snippets from), and a GIN index
on it built CONCURRENTLY. Adding the column rewrites the table (every existing passage gets its
vector, under an exclusive lock for the time it takes). Reversing drops both. SQLite gets
nothing: its search compares folded text.
"""

from django.db import migrations

TABLE, COLUMN = "workspaces_documentpassage", "search_vector"
INDEX = f"{TABLE}_{COLUMN}"
TEXT = "COALESCE(replace(replace(text, '<', ' '), '>', ' '), '')"


def _schema(schema_editor) -> str:
    """The current schema, quoted: where 0006 created the function."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    return '"' + schema.replace('"', '""') + '"'


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    vector = f"{_schema(schema_editor)}.enclave_search_vector({TEXT})"
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED"
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

    dependencies = [("workspaces", "0007_document_text_previews_downloads")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
