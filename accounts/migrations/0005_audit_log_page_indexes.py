"""The audit log is read a page at a time, newest first, filtered or not: index (created_at, id)
alone and after each filter column (actor, jurisdiction, action), so that a page is a range of
an index read in order. Those indexes lead with the columns the single-column ones covered, so
the single-column ones go.

On PostgreSQL the indexes are built CONCURRENTLY (the log stays writable while they build, which
at millions of rows takes a while) and the old ones dropped the same way; elsewhere plainly. The
table is never rebuilt (the fields change in the migration state only), so SQLite keeps the
append-only trigger.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TABLE = "accounts_auditevent"
# The columns whose single-column indexes the new ones make redundant.
SUPERSEDED = ["created_at", "action", "actor_id", "jurisdiction_id"]

ACTIONS = [
    ("login", "Signed in"),
    ("login_failed", "Failed sign-in"),
    ("logout", "Signed out"),
    ("mfa_added", "Second factor added"),
    ("mfa_removed", "Second factor removed"),
    ("password_changed", "Password changed"),
    ("password_reset", "Password reset"),
    ("email_changed", "Email changed"),
    ("invitation_sent", "Invitation sent"),
    ("invitation_accepted", "Invitation accepted"),
    ("invitation_revoked", "Invitation revoked"),
    ("jurisdiction_admitted", "Jurisdiction admitted"),
    ("jurisdiction_status", "Jurisdiction status changed"),
    ("role_changed", "Role changed"),
    ("user_deactivated", "Official deactivated"),
    ("user_reactivated", "Official reactivated"),
    ("session_ended", "Session ended"),
    ("workspace_created", "Workspace created"),
    ("workspace_changed", "Workspace settings changed"),
    ("workspace_archived", "Workspace archived"),
    ("workspace_reopened", "Workspace reopened"),
    ("roster_added", "Added to a roster"),
    ("roster_removed", "Removed from a roster"),
    ("thread_pinned", "Thread pinned"),
    ("thread_unpinned", "Thread unpinned"),
    ("thread_locked", "Thread locked"),
    ("thread_unlocked", "Thread unlocked"),
    ("thread_moved", "Thread moved"),
    ("post_hidden", "Post hidden"),
    ("post_unhidden", "Post shown again"),
    ("document_uploaded", "Document uploaded"),
    ("document_version", "Document version added"),
    ("document_deleted", "Document deleted"),
    ("document_downloaded", "Document downloaded"),
    ("download_refused", "Download refused"),
    ("marking_acknowledged", "Handling marking acknowledged"),
    ("chat_hidden", "Chat message hidden"),
    ("chat_muted", "Participant muted"),
    ("chat_locked", "Room locked"),
    ("chat_unlocked", "Room unlocked"),
    ("attribution_changed", "Attribution mode changed"),
    ("session_changed", "Dialogue session changed"),
    ("minutes_approved", "Minutes approved"),
    ("unmasked", "Pseudonym unmasked"),
    ("exported", "Exported"),
]


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexOnline(migrations.AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if _postgresql(schema_editor):
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if _postgresql(schema_editor):
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


def drop_superseded(apps, schema_editor):
    """Drop the single-column indexes on SUPERSEDED, found by introspection (whatever their
    generated names; PostgreSQL's `varchar_pattern_ops` twin of `action` included)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    concurrently = "CONCURRENTLY " if _postgresql(schema_editor) else ""
    for name, info in constraints.items():
        if (
            info["index"]
            and not info["primary_key"]
            and not info["unique"]
            and len(info["columns"]) == 1
            and info["columns"][0] in SUPERSEDED
        ):
            schema_editor.execute(
                f"DROP INDEX {concurrently}IF EXISTS {schema_editor.quote_name(name)}"
            )


def restore_superseded(apps, schema_editor):
    concurrently = "CONCURRENTLY " if _postgresql(schema_editor) else ""
    for column in SUPERSEDED:
        name = schema_editor.quote_name(f"{TABLE}_{column}_single")
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {TABLE} ({column})"
        )


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("accounts", "0004_invitation_co_chair_role")]

    operations = [
        AddIndexOnline(
            model_name="auditevent",
            index=models.Index(fields=["created_at", "id"], name="audit_time_idx"),
        ),
        AddIndexOnline(
            model_name="auditevent",
            index=models.Index(fields=["actor", "created_at", "id"], name="audit_actor_time_idx"),
        ),
        AddIndexOnline(
            model_name="auditevent",
            index=models.Index(
                fields=["jurisdiction", "created_at", "id"], name="audit_jurisdiction_time_idx"
            ),
        ),
        AddIndexOnline(
            model_name="auditevent",
            index=models.Index(fields=["action", "created_at", "id"], name="audit_action_time_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(drop_superseded, restore_superseded, elidable=False)
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="created_at",
                    field=models.DateTimeField(default=django.utils.timezone.now),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="action",
                    field=models.CharField(choices=ACTIONS, max_length=40),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="jurisdiction",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to="accounts.jurisdiction",
                    ),
                ),
            ],
        ),
    ]
