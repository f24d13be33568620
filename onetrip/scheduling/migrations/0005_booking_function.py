"""The one-round-trip booking on PostgreSQL (issue 14, D180): `scheduling_book` and
`scheduling_open_pools`, from onetrip/scheduling/sql/scheduling_book.sql. SQLite (the demo) books
in Python (`booking._decide_in_python`), so nothing runs there. The file is read as it stands:
a later change to it comes with a migration of its own that runs it again (CREATE OR REPLACE)."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = Path(__file__).resolve().parent.parent / "sql" / "scheduling_book.sql"

DROP_SQL = """
DROP FUNCTION IF EXISTS scheduling_book(
    bigint, bigint, text, boolean, timestamptz, text, text, integer, boolean, text, bigint,
    boolean, timestamptz, text, jsonb);
DROP FUNCTION IF EXISTS scheduling_open_pools(text, date, timestamptz, text, jsonb);
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
        ("scheduling", "0004_online_channel"),
    ]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
