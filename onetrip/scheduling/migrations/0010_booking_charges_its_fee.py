"""`scheduling_book` also charges an app user's registration fee, through billing's own function
`billing_charge_registration_fee` (issue 14, D343): the booking and its fee are one statement.
Runs onetrip/scheduling/sql/scheduling_book.sql again after dropping the function of 0008,
whose parameters differ (one more: `p_charge_fee`); SQLite (the demo) charges in Python.

Going back drops the function: migrate back to 0007 or earlier (whose SQL runs the file as it is
then) rather than stopping at 0008 or 0009."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "scheduling_book.sql"

BEFORE_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb, jsonb);
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb, jsonb, boolean);
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
        ("scheduling", "0009_booking_helpers_keep_their_plans"),
        ("billing", "0012_registration_fee_function"),
    ]

    operations = [
        RunSQLOnPostgreSQL(sql=BEFORE_SQL + FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
