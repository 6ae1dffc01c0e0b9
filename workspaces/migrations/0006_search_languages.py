"""Search in English, French, Spanish and Japanese on PostgreSQL: the shared parts, and the
vectors of documents and workspaces.

Creates, in the current schema:
- the `unaccent` extension (CREATE EXTENSION IF NOT EXISTS: the migrating role needs the right
  to create it — a superuser, or, as unaccent is a trusted extension, a role with CREATE on the
  database; a DBA may instead create it beforehand);
- three text search configurations, `enclave_english`, `enclave_french` and `enclave_spanish`:
  their language's stemmer after unaccent, so "evaluations" and "évaluation" share a lexeme;
- `enclave_cjk_bigrams(text)`: the CJK runs (kana, ideographs, Hangul) of a text as overlapping
  character pairs, then each run's last character (a run has no spaces to split it into words);
- `enclave_search_vector(text)`: the one vector a text is searched by, the three languages'
  vectors of its text without CJK runs, concatenated with the 'simple' vector of its bigrams;
- `enclave_search_query(text)`: the query for it, the OR of the three languages' readings of
  the user's websearch words (whose CJK runs the caller made bigram phrases), a word of one CJK
  character made a prefix (it then finds the bigrams that start with it);
- `enclave_search_headline(text, tsquery, text)`: a snippet of a text for a query, its fragments
  chosen in English with the query's lexemes as prefixes (so that a French or Spanish stem
  finds its word too), then the words each language matches marked (between the START and
  STOP characters of dialogues/search/text.py).
All IMMUTABLE with every name schema-qualified, so that a generated column may use them and
pg_restore (which empties search_path) recomputes the vectors; one SQL call each keeps the
search's queries small.

Then, as 0003 did for the English vectors it replaces, each document and each workspace keeps
this vector in a column PostgreSQL computes itself (`search_vector`, GENERATED ... STORED) from
the same text dialogues/search/services.py searches, with a GIN index built CONCURRENTLY. The old
`search_english` column and index are dropped first, so the rewrite that adds the new column
also reclaims their space. Reversing restores them (English only) and drops what was created
here but the extension, which other database objects may use by then. SQLite gets nothing.
"""

from django.db import migrations

OLD, NEW = "search_english", "search_vector"
LANGUAGES = ("english", "french", "spanish")
# The CJK character class of dialogues/search/text.py (`CJK`), as literal characters.
CJK = (
    "\u3005\u3006\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3\uff66-\uff9f\U00020000-\U0003134f"
)


def _plain(column: str) -> str:
    return f"COALESCE(replace(replace({column}, '<', ' '), '>', ' '), '')"


# table -> the text its vector is built from (the same concatenation the search highlights)
TEXTS = {
    "workspaces_document": (
        f"{_plain('title')} || ' ' || {_plain('description')} || ' ' || "
        "COALESCE(replace(tags, ',', ' '), '')"
    ),
    "workspaces_workspace": f"{_plain('title')} || ' ' || {_plain('purpose_source')}",
}


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def _quoted(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# A lexeme in a tsquery's text ('it''s', '税':*), and a lexeme of one CJK character alone.
ANY_LEXEME = _literal(r"'((?:[^']|'')+)'(:\*)?")
ONE_CJK_CHARACTER = _literal(rf"(^|[\s(!])'([{CJK}])'(?=$|[\s)])")


def _functions(schema: str) -> list[str]:
    """The functions, every name in them qualified (`schema` is the current schema's name, the
    rest constants)."""
    s = _quoted(schema)
    literal = s.replace("'", "''")
    bigrams = f"""
        CREATE OR REPLACE FUNCTION {s}.enclave_cjk_bigrams(t text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(
            CASE WHEN char_length(run) = 1 THEN run
            ELSE (SELECT string_agg(substr(run, i, 2), ' ' ORDER BY i)
                  FROM generate_series(1, char_length(run) - 1) AS i) || ' ' || right(run, 1)
            END, ' ' ORDER BY n), '')
        FROM regexp_matches(t, '[{CJK}]+', 'g') WITH ORDINALITY AS found(match, n)
        CROSS JOIN LATERAL (SELECT (found.match)[1] AS run) AS runs
        $$"""  # noqa: S608
    parts = " || ".join(
        f"to_tsvector('{literal}.enclave_{language}'::regconfig, latin)" for language in LANGUAGES
    )
    vector = f"""
        CREATE OR REPLACE FUNCTION {s}.enclave_search_vector(t text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT {parts}
            || to_tsvector('pg_catalog.simple'::regconfig, {s}.enclave_cjk_bigrams(coalesce(t, '')))
        FROM (SELECT regexp_replace(coalesce(t, ''), '[{CJK}]+', ' ', 'g') AS latin) AS parts
        $$"""  # noqa: S608
    readings = ", ".join(
        f"websearch_to_tsquery('{literal}.enclave_{language}'::regconfig, q)"
        for language in LANGUAGES
    )
    # The distinct readings only: the same lexeme thrice would count thrice in the planner's
    # estimate of how many rows match, and in the rank.
    query = f"""
        CREATE OR REPLACE FUNCTION {s}.enclave_search_query(q text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT regexp_replace(
            coalesce(string_agg(DISTINCT '(' || reading::text || ')', ' | '), ''),
            {ONE_CJK_CHARACTER}, {_literal(r"\1'\2':*")}, 'g')::tsquery
        FROM unnest(ARRAY[{readings}]) AS reading
        WHERE reading::text <> ''
        $$"""  # noqa: S608
    english, french, spanish = (
        f"'{literal}.enclave_{language}'::regconfig" for language in LANGUAGES
    )
    marks = "E'StartSel=\\x02, StopSel=\\x03, HighlightAll=true'"
    prefixes = f"regexp_replace(query::text, {ANY_LEXEME}, {_literal("'\\1':*")}, 'g')::tsquery"
    headline = f"""
        CREATE OR REPLACE FUNCTION {s}.enclave_search_headline(
            doc text, query tsquery, fragments text
        ) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT ts_headline({spanish}, ts_headline({french}, ts_headline({english},
            ts_headline({english}, doc, {prefixes}, 'StartSel="", StopSel="", ' || fragments),
            query, {marks}), query, {marks}), query, {marks})
        $$"""  # noqa: S608
    return [bigrams, vector, query, headline]


def create_shared(schema_editor) -> str:
    """The extension, configurations and functions; returns the schema they live in."""
    schema = _schema(schema_editor)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
        unaccent = cursor.fetchone()[0]
        for language in LANGUAGES:
            cursor.execute(
                "SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
                "WHERE c.cfgname = %s AND n.nspname = %s",
                [f"enclave_{language}", schema],
            )
            name = f"{_quoted(schema)}.enclave_{language}"
            if cursor.fetchone() is None:
                schema_editor.execute(
                    f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{language})"
                )
            schema_editor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR word, hword, "
                f"hword_part WITH {_quoted(unaccent)}.unaccent, pg_catalog.{language}_stem"
            )
    for sql in _functions(schema):
        schema_editor.execute(sql)
    return schema


def drop_shared(schema_editor) -> None:
    schema = _quoted(_schema(schema_editor))
    schema_editor.execute(
        f"DROP FUNCTION IF EXISTS {schema}.enclave_search_headline(text, tsquery, text)"
    )
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {schema}.enclave_search_query(text)")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {schema}.enclave_search_vector(text)")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {schema}.enclave_cjk_bigrams(text)")
    for language in LANGUAGES:
        schema_editor.execute(
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {schema}.enclave_{language}"
        )


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
    schema = create_shared(schema_editor)
    vector = f"{_quoted(schema)}.enclave_search_vector({{text}})"
    for table, text in TEXTS.items():
        swap(schema_editor, table, text, drop=OLD, add=NEW, vector=vector)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    english = "to_tsvector('english'::regconfig, {text})"
    for table, text in TEXTS.items():
        swap(schema_editor, table, text, drop=NEW, add=OLD, vector=english)
    drop_shared(schema_editor)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("workspaces", "0005_undertakings")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
