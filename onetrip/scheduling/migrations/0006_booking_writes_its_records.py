"""`scheduling_book` also writes the affiliation, the audit row and the domain event of a booking
and answers with the booking's details (issue 14, D207): one round trip decides, writes and
answers. Runs onetrip/scheduling/sql/scheduling_book.sql again (CREATE OR REPLACE) after dropping
the function of 0005, whose parameters differ; SQLite (the demo) writes them in Python."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "scheduling_book.sql"

BEFORE_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb);
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb);
DROP FUNCTION IF EXISTS scheduling_booking_details(bigint);
DROP FUNCTION IF EXISTS scheduling_utc_offset(timestamptz, text);
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
        ("scheduling", "0005_booking_function"),
        ("core", "0003_event_link_indexes"),
        ("identity", "0003_phone_optional_face_checks"),
    ]

    operations = [
        RunSQLOnPostgreSQL(sql=BEFORE_SQL + FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
