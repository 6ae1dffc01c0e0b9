"""Search over posts and thread titles in English, French, Spanish and Japanese (PostgreSQL).

Like workspaces 0006 for documents and workspaces, which creates what this uses (the `unaccent`
extension, the `enclave_*` text search configurations and `enclave_search_vector(text)`): each
post and each thread replaces its English vector (0004, 0005) with `search_vector`, a column
PostgreSQL computes itself (GENERATED ... STORED) with `enclave_search_vector` from the text
dialogues/search/services.py searches (angle brackets made spaces), with a GIN index built
CONCURRENTLY. The old column and index are dropped first, so the rewrite that adds the new
column also reclaims their space; reversing restores them. SQLite gets nothing here.
"""

from django.db import migrations

OLD, NEW = "search_english", "search_vector"


def _plain(column: str) -> str:
    return f"COALESCE(replace(replace({column}, '<', ' '), '>', ' '), '')"


TEXTS = {"dialogues_post": _plain("body_source"), "dialogues_thread": _plain("title")}


def swap(schema_editor, table: str, text: str, *, drop: str, add: str, vector: str) -> None:
    """Drop the `drop` vector column of `table` and its index, then add the `add` column, the
    `vector` expression of `text`, and its GIN index (CONCURRENTLY)."""
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {table}_{drop}")
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {drop}")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {add} tsvector "
        f"GENERATED ALWAYS AS ({vector.format(text=text)}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {table}_{add} ON {table} USING GIN ({add})"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    vector = f'"{schema}".enclave_search_vector({{text}})'
    for table, text in TEXTS.items():
        swap(schema_editor, table, text, drop=OLD, add=NEW, vector=vector)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    english = "to_tsvector('english'::regconfig, {text})"
    for table, text in TEXTS.items():
        swap(schema_editor, table, text, drop=NEW, add=OLD, vector=english)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("dialogues", "0008_notification_about_no_workspace"),
        ("workspaces", "0006_search_languages"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
