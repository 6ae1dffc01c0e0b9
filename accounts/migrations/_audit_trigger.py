"""The database itself refuses to change a written audit row (deletion is refused by the app,
so that test databases can still be flushed).

SQLite drops a table's triggers when a migration rebuilds the table: every migration that alters
accounts_auditevent must end with `reinstall` (the audit tests fail otherwise).
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;"
SQLITE_CREATE = """
CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
BEGIN SELECT RAISE(ABORT, 'The audit log is append-only.'); END;
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_update ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_refuse_update();
"""
POSTGRES_CREATE = """
CREATE FUNCTION accounts_auditevent_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'The audit log is append-only.'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse_update();
"""


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


def reinstall(apps, schema_editor):
    remove(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
