"""Audit records may leave the log once past their retention period (`manage.py
apply_retention`), never before the minimum of 365 days: the database refuses to delete a
younger one (see _audit_trigger.py). Updates stay refused whatever the age."""

from django.db import migrations

from ._audit_trigger import reinstall_delete_guard, remove_delete_guard


class Migration(migrations.Migration):
    dependencies = [("accounts", "0014_personal_data")]
    operations = [migrations.RunPython(reinstall_delete_guard, remove_delete_guard)]
