"""Database triggers that make the audit table append-only below the ORM.

The ORM already refuses to update or delete an ``AuditRecord``; these triggers refuse raw SQL
too, so a rewrite needs someone who can alter the schema (drop or bypass the trigger), and
``verify_audit`` still finds what they did.

* PostgreSQL: a row trigger rejects UPDATE and DELETE unless the transaction has set
  ``contest.audit_maintenance = 'on'`` (``SET LOCAL``; see :func:`maintenance`). TRUNCATE, which
  needs the table owner, is what ``manage.py flush`` uses and is not intercepted.
* SQLite: triggers reject UPDATE and DELETE; :func:`maintenance` drops and recreates them, and
  ``manage.py flush`` (overridden in core) does the same around its ``DELETE FROM``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

MESSAGE = "audit records are append-only"
TABLE = "core_auditrecord"

_PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('contest.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    f"DROP TRIGGER IF EXISTS core_auditrecord_append_only ON {TABLE}",
    f"""
    CREATE TRIGGER core_auditrecord_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION core_audit_append_only()
    """,
]
_PG_REMOVE = [
    f"DROP TRIGGER IF EXISTS core_auditrecord_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS core_audit_append_only()",
]
_SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS core_auditrecord_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS core_auditrecord_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS core_auditrecord_no_delete",
]


def _statements(connection, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _PG_INSTALL if install else _PG_REMOVE
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    return []


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=False):
            cursor.execute(sql)


@contextmanager
def maintenance(connection) -> Iterator[None]:
    """Let raw UPDATE/DELETE through for the current transaction (a DBA's power, for tests and purges)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL contest.audit_maintenance = 'on'")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL contest.audit_maintenance = 'off'")
    elif connection.vendor == "sqlite":
        remove(connection)
        try:
            yield
        finally:
            install(connection)
    else:
        yield
