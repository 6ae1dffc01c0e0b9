"""Search over documents and workspaces on PostgreSQL from stored vectors with GIN indexes.

Like dialogues' 0004 for posts: each document and each workspace keeps its English `tsvector`
in a column PostgreSQL computes itself (GENERATED ... STORED) from the text
dialogues/search/services.py searches (angle brackets made spaces; a document's tags with their
commas made spaces), with a GIN index over it. The columns are not model fields; the search
reads them by name (`DOCUMENT_VECTOR`, `WORKSPACE_VECTOR`). SQLite gets nothing here.
"""

from django.db import migrations

COLUMN = "search_english"


def _plain(column: str) -> str:
    return f"COALESCE(replace(replace({column}, '<', ' '), '>', ' '), '')"


# table -> the text its vector is built from (the same concatenation the search highlights)
VECTORS = {
    "workspaces_document": (
        f"{_plain('title')} || ' ' || {_plain('description')} || ' ' || "
        "COALESCE(replace(tags, ',', ' '), '')"
    ),
    "workspaces_workspace": f"{_plain('title')} || ' ' || {_plain('purpose_source')}",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, text in VECTORS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('english'::regconfig, {text})) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {table}_{COLUMN} "
            f"ON {table} USING GIN ({COLUMN})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in VECTORS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {table}_{COLUMN}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("workspaces", "0002_workspace_attribution_pseudonym")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
