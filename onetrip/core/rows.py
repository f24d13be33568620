"""Model instances from rows PostgreSQL wrote as JSON (`to_jsonb`), as if the ORM had read
them: the database functions that decide a booking or a settlement in one round trip answer
with the rows they wrote, and nothing is read back (D268, D290)."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import signals
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)


def model_from_row(model: type[M], row: dict[str, Any]) -> M:
    """A model instance from its row as `to_jsonb` wrote it, as if read by the ORM (the
    models read here name no column apart from its field: column names are attnames)."""
    names, converters = _columns(model)
    values = [row[name] if convert is None else convert(row[name]) for name, convert in converters]
    if not _plain_instances(model):
        return model.from_db(connection.alias, names, values)
    # What `from_db` makes, without `Model.__init__`'s loop of setattr per field (D268): the
    # model has no `from_db` of its own and nothing listens to its init signals.
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, connection.alias
    return instance


@functools.cache
def _plain_instances(model: type[models.Model]) -> bool:
    return (
        model.from_db.__func__ is models.Model.from_db.__func__  # type: ignore[attr-defined]
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
    )


# Fields whose JSON value is already what the ORM reads (numbers, text, booleans, JSON): only
# the others (dates, times, decimals, …) go through `to_python`.
_AS_IN_JSON = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "JSONField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


@functools.cache
def _columns(model: type[models.Model]) -> tuple[list[str], list[tuple[str, Any]]]:
    fields = model._meta.concrete_fields
    return [field.attname for field in fields], [
        (field.attname, None if field.get_internal_type() in _AS_IN_JSON else field.to_python)
        for field in fields
    ]
