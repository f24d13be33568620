"""A booking's registration fee charged inside the booking's own call on PostgreSQL (issue 14,
D343): `billing_charge_registration_fee`, from
onetrip/billing/sql/billing_charge_registration_fee.sql, which scheduling's `scheduling_book`
calls for an app user's booking. SQLite (the demo) charges in Python
(`sources.charge_registration_fee`), so nothing runs there. Going back drops the function: run
scheduling's migrations back first (its 0010 calls it)."""

from pathlib import Path

from django.db import migrations

FUNCTION_SQL = (
    Path(__file__).resolve().parent.parent / "sql" / "billing_charge_registration_fee.sql"
)

DROP_SQL = """
DROP FUNCTION IF EXISTS billing_charge_registration_fee(
    bigint, bigint, text, bigint, text, timestamptz, jsonb);
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
        ("billing", "0011_phone_order_in_counter_function"),
        ("core", "0003_event_link_indexes"),
    ]

    operations = [
        RunSQLOnPostgreSQL(sql=FUNCTION_SQL.read_text(), reverse_sql=DROP_SQL),
    ]
