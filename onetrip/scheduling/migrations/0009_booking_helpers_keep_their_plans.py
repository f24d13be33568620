"""The booking call's helpers keep their plans (issue 14, D280): `scheduling_booking_details`,
`scheduling_booking_number`, `scheduling_masked_name` and `scheduling_utc_offset` become
PL/pgSQL functions with the same results, so PostgreSQL plans their queries once per connection
instead of parsing and planning them again in every booking (a LANGUAGE sql function that cannot
be inlined is planned at each call's first use in PostgreSQL 15). Runs
onetrip/scheduling/sql/scheduling_book.sql again (CREATE OR REPLACE; no signature changes).

Going back leaves the functions as they are: their results are the same either way."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "scheduling_book.sql"


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0008_booking_queues_its_notice")]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=migrations.RunSQL.noop),
    ]
