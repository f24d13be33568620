"""A queryset's SQL compiled once per shape and reused with other values (D240).

Building and compiling a queryset costs the ORM more CPU than a short indexed statement costs
PostgreSQL. Where a hot path joins another app's rule into its own statement (the booking's
"may this caller see the patient" and "does the patient owe an overdue bill", D181), the rule
stays that app's queryset, written once; `condition` compiles it the first time a shape is
asked for, with marker values in place of the caller's, and afterwards only puts the caller's
values where the markers were.

The first compile of a shape is checked: the queryset is also compiled with the real values,
and the cached form is used only if it gives the very same SQL and parameters; otherwise (a
value that changes the SQL itself, such as None, or a shape that does not say everything the
SQL depends on) that call compiles as before and nothing is cached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

Value = int | dt.date | None


@dataclass(frozen=True)
class _Slot:
    name: str
    # The type the ORM wrapped the value in (psycopg's `Int8` for a big integer column), to
    # send the caller's value the same way.
    wrap: Callable[[Any], Any] | None = None

    def value(self, values: dict[str, Value]) -> Any:
        found = values[self.name]
        return found if self.wrap is None or found is None else self.wrap(found)


_compiled: dict[Hashable, tuple[str, tuple]] = {}
MAX_SHAPES = 256


def condition(
    shape: Hashable, build: Callable[..., QuerySet], **values: Value
) -> tuple[str, tuple]:
    """`EXISTS (…)` of `build(**values)` and its parameters.

    `shape` must name everything, apart from `values`, that changes the queryset `build`
    returns (for example the kind of caller); every value must reach the SQL as a parameter.
    """
    cached = _compiled.get(shape)
    if cached is None:
        sql, params = _exists(build(**values))
        cached = _checked(build, values, sql, params)
        if cached is None:
            return sql, params
        if len(_compiled) >= MAX_SHAPES:
            _compiled.clear()
        _compiled[shape] = cached
    sql, slots = cached
    return sql, tuple(p.value(values) if isinstance(p, _Slot) else p for p in slots)


def forget() -> None:
    """Empty the cache (tests that change what a shape compiles to)."""
    _compiled.clear()


def _exists(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.values("pk").query.sql_with_params()
    return f"EXISTS ({sql})", tuple(params)


def _marker(index: int, value: Value) -> int | dt.date:
    if isinstance(value, dt.date):
        return dt.date(1, 1, 1) + dt.timedelta(days=index + 1)
    return -7_300_000_001 - index


def _checked(
    build: Callable[..., QuerySet], values: dict[str, Value], sql: str, params: tuple
) -> tuple[str, tuple] | None:
    markers = {name: _marker(i, value) for i, (name, value) in enumerate(values.items())}
    marked_sql, marked_params = _exists(build(**markers))
    names = {marker: name for name, marker in markers.items()}
    slots = tuple(_slot(p, names) for p in marked_params)
    substituted = tuple(p.value(values) if isinstance(p, _Slot) else p for p in slots)
    if marked_sql != sql or substituted != params:
        return None
    return marked_sql, slots


def _slot(param: Any, names: dict[int | dt.date, str]) -> Any:
    """The parameter itself, or the name of the value whose marker it is."""
    if isinstance(param, bool) or not isinstance(param, int | dt.date):
        return param
    name = names.get(param)
    if name is None:
        return param
    kind = int if isinstance(param, int) else dt.date
    return _Slot(name, None if type(param) is kind else type(param))
