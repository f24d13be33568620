"""`scheduling_book` knows whether it was sent alone (issue 14, D326): one parameter more,
`p_alone`, with which it raises SQLSTATE 'OTB01' when its answer needs Python's writes beside it
(replacing D323's cast error built around the call), and a refused registration fee raises
SQLSTATE 'OTB02' so the statement rolls back with the booking (an app user's booking can then
be sent alone too). Runs onetrip/scheduling/sql/scheduling_book.sql again after dropping the
function of 0010, whose parameters differ; SQLite (the demo) decides in Python as before.

Going back drops the function: migrate back to 0007 or earlier (whose SQL runs the file as it is
then) rather than stopping at 0008–0010."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "scheduling_book.sql"

BEFORE_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb, jsonb, boolean);
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb, jsonb, jsonb, boolean, boolean);
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
    dependencies = [("scheduling", "0010_booking_charges_its_fee")]

    operations = [
        RunSQLOnPostgreSQL(sql=BEFORE_SQL + FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
