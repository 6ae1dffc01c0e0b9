"""A document's description is Markdown, rendered once on write like every other text
(`description_html`); the descriptions already stored are rendered here."""

from django.db import migrations, models

from core.markup import render_markdown


def render_existing(apps, schema_editor):
    Document = apps.get_model("workspaces", "Document")
    changed = []
    for document in Document.objects.exclude(description="").only("pk", "description").iterator():
        document.description_html = render_markdown(document.description)
        changed.append(document)
        if len(changed) >= 500:
            Document.objects.bulk_update(changed, ["description_html"])
            changed = []
    Document.objects.bulk_update(changed, ["description_html"])


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0003_search_index")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="description_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop),
    ]
