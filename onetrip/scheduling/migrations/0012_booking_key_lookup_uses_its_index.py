"""The booking call's idempotency lookup uses its index in every plan (issue 14, D356): the
unique index on (scope, key) leaves empty keys out, so the lookup repeats `idempotency_key <> ''`
for PostgreSQL's cached (generic) plan, which otherwise read the whole appointment table on
every keyed booking. Runs onetrip/scheduling/sql/scheduling_book.sql again (CREATE OR REPLACE;
no signature changes).

Going back leaves the function as it is: its answers are the same either way."""

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
    dependencies = [("scheduling", "0011_booking_call_alone_raises")]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=migrations.RunSQL.noop),
    ]
