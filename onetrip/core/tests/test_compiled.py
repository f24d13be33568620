"""A queryset's SQL compiled once per shape (D240): the cached form gives the very SQL and
parameters the ORM gives for the same values, and a shape whose SQL a value changes is not
cached."""

import datetime as dt

import pytest

from onetrip.core import compiled
from onetrip.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    compiled.forget()
    yield
    compiled.forget()


def events(account_id, day):
    return AuditEvent.objects.filter(
        actor_account_id=account_id, occurred_at__date__lt=day, actor_kind="patient"
    )


def orm(account_id, day):
    sql, params = events(account_id, day).values("pk").query.sql_with_params()
    return f"EXISTS ({sql})", tuple(params)


def test_values_take_the_markers_places_and_constants_stay():
    first = compiled.condition("t", events, account_id=7, day=dt.date(2026, 12, 1))
    assert first == orm(7, dt.date(2026, 12, 1))
    assert compiled._compiled["t"]  # cached
    again = compiled.condition("t", events, account_id=8, day=dt.date(2026, 12, 2))
    assert again == orm(8, dt.date(2026, 12, 2))
    assert "patient" in again[1]


def test_a_value_that_changes_the_sql_is_compiled_every_time():
    assert compiled.condition("n", events, account_id=None, day=dt.date(2026, 12, 1)) == orm(
        None, dt.date(2026, 12, 1)
    )
    assert "n" not in compiled._compiled
    assert compiled.condition("n", events, account_id=3, day=dt.date(2026, 12, 1)) == orm(
        3, dt.date(2026, 12, 1)
    )
