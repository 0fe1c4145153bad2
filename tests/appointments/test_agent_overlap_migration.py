"""Migration 0004_agent_overlap applies and reverses on this database (run on SQLite and on PostgreSQL)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = "appointments_appointment"


def columns() -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, TABLE)}


def exclusion_constraint() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'appt_agent_no_overlap' "
            "AND conrelid = %s::regclass",
            [TABLE],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_the_migration_applies_and_reverses():
    try:
        call_command("migrate", "appointments", "0003", verbosity=0)
        assert "agent_overlap_guarded" not in columns()
        assert exclusion_constraint() is None
    finally:
        call_command("migrate", "appointments", verbosity=0)

    assert "agent_overlap_guarded" in columns()
    if connection.vendor == "postgresql":
        definition = exclusion_constraint()
        assert definition is not None
        assert definition.startswith(
            "EXCLUDE USING gist (application_id WITH =, organizer_id WITH =, tstzrange("
        )
        assert "agent_overlap_guarded" in definition and "'COMPLETE'" in definition
