from django.db import migrations

from ._audit_trigger import reinstall, remove


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(reinstall, remove)]
