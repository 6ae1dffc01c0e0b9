"""The database itself refuses to change a written audit row (deletion is refused by the app;
test databases must still be able to flush)."""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
BEGIN SELECT RAISE(ABORT, 'The audit log is append-only.'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;"

POSTGRES_FORWARD = """
CREATE FUNCTION accounts_auditevent_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'The audit log is append-only.'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse_update();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_update ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_refuse_update();
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
