"""The database itself refuses to change a written audit row, and to delete one younger than
the minimum retention (MINIMUM_RETENTION_DAYS; accounts.audit.audit_events_delete_older is the
one path that deletes older ones, for `manage.py apply_retention`).

Deleting the whole table stays possible, so that test databases can still be flushed: on
PostgreSQL a flush is a TRUNCATE, which fires no row trigger; on SQLite accounts' own `flush`
command lifts the delete guard for the flush alone (accounts/management/commands/flush.py).

SQLite drops a table's triggers when a migration rebuilds the table: every migration that alters
accounts_auditevent must end with `reinstall_all` (before 0015: `reinstall`; the audit and
retention tests fail otherwise).
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


# ------------------------------------------------------------------------------
# The delete guard (migration 0015): nothing younger than the minimum retention is deleted
# ------------------------------------------------------------------------------
# accounts.audit.AUDIT_MINIMUM_RETENTION_DAYS says the same (a test holds them equal); changing
# it takes a migration that reinstalls the guard.
MINIMUM_RETENTION_DAYS = 365
GUARD_MESSAGE = f"Audit events are kept at least {MINIMUM_RETENTION_DAYS} days."
SQLITE_GUARD_NAME = "accounts_auditevent_keep_recent"
SQLITE_DROP_DELETE_GUARD = f"DROP TRIGGER IF EXISTS {SQLITE_GUARD_NAME};"
# Django stores SQLite datetimes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]", the shape
# datetime() returns: they compare as text.
SQLITE_CREATE_DELETE_GUARD = f"""
CREATE TRIGGER {SQLITE_GUARD_NAME} BEFORE DELETE ON accounts_auditevent
WHEN OLD.created_at > datetime('now', '-{MINIMUM_RETENTION_DAYS} days')
BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}'); END;
"""
POSTGRES_DROP_DELETE_GUARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_keep_recent ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_refuse_recent_delete();
"""
POSTGRES_CREATE_DELETE_GUARD = f"""
CREATE FUNCTION accounts_auditevent_refuse_recent_delete() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '{GUARD_MESSAGE}'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_keep_recent BEFORE DELETE ON accounts_auditevent
FOR EACH ROW WHEN (OLD.created_at > now() - interval '{MINIMUM_RETENTION_DAYS} days')
EXECUTE FUNCTION accounts_auditevent_refuse_recent_delete();
"""


def remove_delete_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP_DELETE_GUARD)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP_DELETE_GUARD)


def reinstall_delete_guard(apps, schema_editor):
    remove_delete_guard(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE_DELETE_GUARD)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE_DELETE_GUARD)


def reinstall_all(apps, schema_editor):
    """Both guards: what a migration that alters accounts_auditevent ends with from 0015 on."""
    reinstall(apps, schema_editor)
    reinstall_delete_guard(apps, schema_editor)
