"""Expression indexes on the event fields that join one event to another (a check-in to its
booking's referral, an exam's report to its start, a settlement to its e-bill): the monitoring
read re-judges only the events of today's marked part that a newly recorded record names (D204).
PostgreSQL only, built concurrently so a live log is not locked; partial, since most events carry
none of these fields. The SQLite demo's log is small enough to scan."""

from django.db import migrations

FIELDS = ("booking_id", "order_id", "settlement_id")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS event_{field} ON core_domainevent "
            f"((data ->> '{field}'), kind) WHERE (data ->> '{field}') IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS event_{field}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("core", "0002_domain_event")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
