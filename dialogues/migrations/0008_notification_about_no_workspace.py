import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dialogues", "0007_notification_recent_index"),
        ("workspaces", "0005_undertakings"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="item_count",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("mention", "Mentioned you"),
                    ("reply", "Replied to you"),
                    ("new_thread", "New thread"),
                    ("moderation", "Moderation"),
                    ("session_scheduled", "Session scheduled"),
                    ("session_changed", "Session changed"),
                    ("session_starting", "Session starting soon"),
                    ("minutes_review", "Minutes ready for review"),
                    ("minutes_approved", "Minutes approved"),
                    ("action_assigned", "Action assigned to you"),
                    ("unmasked", "Your pseudonym was unmasked"),
                    ("access_review", "Access reviews due"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="workspace",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="workspaces.workspace",
            ),
        ),
    ]
