"""Audit records keep what they say as an English template and its parameters, so that each
reader reads them in their own language. Records written before keep their summary alone."""

from django.db import migrations, models

from ._audit_trigger import reinstall


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_access_renewal"),
    ]

    # SQLite rebuilds the table to add a column that is not null, dropping the append-only
    # trigger: it is put back after adding the columns, and after removing them when reversed.
    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall),
        migrations.AddField(
            model_name="auditevent",
            name="summary_template",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="summary_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
