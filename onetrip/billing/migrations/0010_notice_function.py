"""A provider's paid notice recorded and applied in one round trip on PostgreSQL (issue 14,
D291): `billing_settle_notice`, from onetrip/billing/sql/billing_settle_notice.sql. SQLite (the
demo) applies notices in Python. Going back drops the function."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "billing_settle_notice.sql"

DROP_SQL = """
DROP FUNCTION IF EXISTS billing_settle_notice(
    text, text, text, text, text, integer, timestamptz, timestamptz, text, text[], text[], jsonb);
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
    dependencies = [("billing", "0009_counter_settlement_function")]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
