"""A counter settlement decided and written in one round trip on PostgreSQL (issue 14, D290):
`billing_settle_at_counter`, from onetrip/billing/sql/billing_settle_at_counter.sql. SQLite (the
demo) settles in Python (`settlements._settle`), so nothing runs there. The file is read as it
stands: a later change to it comes with a migration of its own that runs it again (CREATE OR
REPLACE, or a DROP first when the parameters change). Going back drops the function; Python
settles every settlement again."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "billing_settle_at_counter.sql"

DROP_SQL = """
DROP FUNCTION IF EXISTS billing_settle_at_counter(
    bigint, text, text, text, bigint, text, text, text, text, timestamptz, text, text, boolean,
    jsonb);
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
        ("billing", "0008_ebill_worker"),
        ("core", "0003_event_link_indexes"),
        ("consortium", "0003_department_ages_doctor_profile"),
    ]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
