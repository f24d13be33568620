"""`scheduling_book` also queues the booking's notice in the outbox (issue 14, D270): a booking
through an API key, the app or a window is one statement. Runs
onetrip/scheduling/sql/scheduling_book.sql again (CREATE OR REPLACE) after dropping the function
of 0006, whose parameters differ; SQLite (the demo) queues the notice in Python.

Going back drops the function and its helpers: migrate back to 0006 or earlier (whose SQL runs
the file as it is then) rather than stopping at 0007."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "scheduling_book.sql"

BEFORE_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb);
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb, jsonb);
DROP FUNCTION IF EXISTS scheduling_masked_name(text);
DROP FUNCTION IF EXISTS scheduling_booking_number(bigint);
"""


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0007_session_capacity"),
        ("notifications", "0002_outbox_for_every_channel"),
    ]

    operations = [
        RunSQLOnPostgreSQL(sql=BEFORE_SQL + FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
