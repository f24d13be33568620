"""Inserting a batch run's rows by the hundred thousand: PostgreSQL COPY from plain tuples.

`bulk_create` builds a model instance per row and renders an INSERT per few thousand rows; a
legacy load of a million records spent most of its time there. COPY takes the tuples as they
are. Elsewhere (SQLite in development and tests) the same call falls back to `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import DatabaseError, connection, models, transaction
from django.db.models.expressions import RawSQL
from psycopg import sql
from psycopg.types.json import Jsonb

BATCH = 5000


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert rows of `fields` (attribute names: `patient_id`, not `patient`) into `model`'s
    table, in the caller's transaction. JSON fields take plain dicts and lists."""
    meta = model._meta
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=BATCH
        )
        return
    json_at = [
        i for i, name in enumerate(fields) if isinstance(meta.get_field(name), models.JSONField)
    ]
    columns: list[sql.Composable] = [sql.Identifier(_column(model, name)) for name in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table), sql.SQL(", ").join(columns)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = Jsonb(row[i])
            copy.write_row(row)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys from the table's sequence, for rows inserted with `insert_rows`
    that other rows must point at. Elsewhere than PostgreSQL: the next ones after the largest
    (the caller holds the batch-run lock, so nobody else inserts meanwhile)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, _column(model, "id"), count],
            )
            return [row[0] for row in cursor.fetchall()]
    largest = model._default_manager.aggregate(largest=models.Max("pk"))["largest"] or 0
    return list(range(largest + 1, largest + 1 + count))


def set_by_key(
    model: type[models.Model],
    key: str,
    column: str,
    pairs: dict[int, int],
    **constants: Any,
) -> None:
    """For every `key` → `value` of `pairs`, set `column` to value (and each of `constants`) on
    the rows whose `key` is that key: one UPDATE on PostgreSQL, whatever the number of rows,
    where `bulk_update` would render a CASE arm per row. Integer keys and values (ids)."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        by_value: dict[int, list[int]] = {}
        for k, value in pairs.items():
            by_value.setdefault(value, []).append(k)
        for value, keys in by_value.items():
            model._default_manager.filter(**{f"{key}__in": keys}).update(
                **{column: value}, **constants
            )
        return
    assignments: list[sql.Composable] = [
        sql.SQL("{} = v.value").format(sql.Identifier(_column(model, column))),
        *(sql.SQL("{} = %s").format(sql.Identifier(_column(model, name))) for name in constants),
    ]
    statement = sql.SQL(
        "UPDATE {table} SET {assignments} FROM unnest(%s::bigint[], %s::bigint[]) AS v(key, value)"
        " WHERE {table}.{key} = v.key"
    ).format(
        table=sql.Identifier(model._meta.db_table),
        assignments=sql.SQL(", ").join(assignments),
        key=sql.Identifier(_column(model, key)),
    )
    with connection.cursor() as cursor:
        cursor.cursor.execute(statement, [*constants.values(), list(pairs), list(pairs.values())])


def among(values: Iterable[Any], element_type: str = "bigint") -> Any:
    """The right-hand side of `field__in=` for thousands of values: on PostgreSQL one array
    parameter, where a list renders a placeholder per value (psycopg then parses a query of
    tens of thousands of them, which cost a legacy load more than the lookup itself).
    `element_type` is the values' SQL type: bigint for ids, text for strings."""
    listed = list(values)
    if connection.vendor != "postgresql":
        return listed
    assert element_type in ("bigint", "text")  # spliced into the SQL: never a caller's string
    return RawSQL(f"SELECT unnest(%s::{element_type}[])", [listed])


def analyze(models_: Iterable[type[models.Model]]) -> None:
    """Refresh the planner's statistics of tables a batch run has just filled or rewritten
    (D261). Until then PostgreSQL plans against the tables' sizes without knowing their
    columns: a lookup of a few hundred records by `patient_id` became a scan of a million
    documents (autovacuum, where it runs at all, comes minutes later). A sample of each table,
    about a second each at a million rows. Elsewhere than PostgreSQL: nothing."""
    if connection.vendor != "postgresql":
        return
    tables = sorted({m._meta.db_table for m in models_})
    if not tables:
        return
    with connection.cursor() as cursor:
        cursor.cursor.execute(
            sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables)))
        )


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete column, not a reverse relation
    return str(field.column)


@contextmanager
def checks_after_load(
    models_: Sequence[type[models.Model]],
    *,
    keep: Iterable[tuple[type[models.Model], Sequence[str]]] = (),
) -> Iterator[None]:
    """For a load that multiplies the rows of `models_`' tables (a consortium's first legacy
    load): drop their foreign keys, unique constraints and secondary indexes — all but the
    primary keys and the indexes over exactly the fields given in `keep` as (model, fields): those
    the loader's own lookups use, or an invariant it does not guarantee itself — and
    put them back when the block ends, whether it succeeded or not, as pg_restore does: one
    sorted build per index and one set-based check per foreign key (`NOT VALID`, then
    `VALIDATE`) instead of an index insertion and a deferred trigger per row. The caller must
    guarantee meanwhile what the unique constraints guaranteed; if it did not, re-creating the
    constraint fails and says so. Elsewhere than PostgreSQL: nothing changes."""
    if connection.vendor != "postgresql" or not models_:
        yield
        return
    kept = {(m._meta.db_table, frozenset(_column(m, f) for f in fields)) for m, fields in keep}
    dropped = _drop_checks([m._meta.db_table for m in models_], kept)
    try:
        yield
    finally:
        _restore_checks(dropped)


# What to re-create, in order: (kind, table, name, definition).
_Dropped = list[tuple[str, str, str, str]]


def _drop_checks(tables: list[str], keep: set[tuple[str, frozenset[str]]]) -> _Dropped:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f'"
            " ORDER BY 1, 2",
            [tables],
        )
        foreign = cursor.fetchall()
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(i.oid), con.conname,"
            " pg_get_constraintdef(con.oid), ARRAY(SELECT a.attname FROM pg_attribute a"
            " WHERE a.attrelid = t.oid AND a.attnum = ANY(x.indkey))"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype = 'u'"
            " WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisprimary ORDER BY 1, 2",
            [tables],
        )
        indexes = [row[:5] for row in cursor.fetchall() if (row[0], frozenset(row[5])) not in keep]
    dropped: _Dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        for table, name, definition in foreign:
            cursor.cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
            dropped.append(("foreign key", table, name, definition))
        for table, name, index_definition, constraint, constraint_definition in indexes:
            if constraint:
                cursor.cursor.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(constraint)
                    )
                )
                dropped.append(("unique", table, constraint, constraint_definition))
            else:
                cursor.cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
                dropped.append(("index", table, name, index_definition))
    return dropped


def _restore_checks(dropped: _Dropped) -> None:
    """Re-create every dropped index and constraint, each on its own (one that fails leaves
    the others in place), and say at the end which could not be."""
    order = {"index": 0, "unique": 1, "foreign key": 2}
    failed: list[str] = []
    with connection.cursor() as cursor:
        # A sort of millions of keys in memory rather than in temporary files, in this backend
        # (the load already keeps both cores of a small server busy), for this session only.
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 0")
        for kind, table, name, definition in sorted(dropped, key=lambda d: order[d[0]]):
            try:
                with transaction.atomic():
                    _restore_one(cursor, kind, table, name, definition)
            except (DatabaseError, psycopg.Error) as exc:
                failed.append(f"{kind} {name} on {table}: {exc}")
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("RESET max_parallel_maintenance_workers")
    if failed:
        raise DatabaseError("could not re-create after the load: " + "; ".join(failed))


def _restore_one(cursor: Any, kind: str, table: str, name: str, definition: str) -> None:
    if kind == "index":
        cursor.execute(definition)
        return
    add = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
        sql.Identifier(table), sql.Identifier(name)
    )
    if kind == "unique":
        cursor.cursor.execute(add + sql.SQL(definition))
        return
    cursor.cursor.execute(add + sql.SQL(definition + " NOT VALID"))
    cursor.cursor.execute(
        sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
            sql.Identifier(table), sql.Identifier(name)
        )
    )
