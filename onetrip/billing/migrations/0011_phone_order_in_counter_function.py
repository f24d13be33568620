"""A phone payment's settlement opened in the counter settlement's call (issue 14, D330): runs
onetrip/billing/sql/billing_settle_at_counter.sql again (CREATE OR REPLACE; its parameters and
columns are unchanged).

Going back leaves the function as it is: the code before this migration never hands it a phone
channel, and it decides counter settlements as before."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "billing_settle_at_counter.sql"


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("billing", "0010_notice_function")]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=migrations.RunSQL.noop),
    ]
