"""`manage.py flush`, Django's, emptying the audit log too on SQLite.

The database refuses to delete an audit record younger than the minimum retention
(accounts/migrations/_audit_trigger.py). A flush empties every table whatever its rows' age:
on PostgreSQL it is a TRUNCATE, which fires no row trigger; SQLite deletes row by row, so the
guard is lifted here for the flush alone and put back after it, flushed or not. The test suite
flushes after every transactional test.
"""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from accounts.migrations._audit_trigger import (
    SQLITE_CREATE_DELETE_GUARD,
    SQLITE_DROP_DELETE_GUARD,
    SQLITE_GUARD_NAME,
)


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or not _has_guard(connection):
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute(SQLITE_DROP_DELETE_GUARD)
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(SQLITE_CREATE_DELETE_GUARD)


def _has_guard(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [SQLITE_GUARD_NAME]
        )
        return cursor.fetchone() is not None
