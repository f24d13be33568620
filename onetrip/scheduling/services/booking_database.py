"""A booking decided and written by PostgreSQL in one round trip (issue 14, D180).

The rules live twice, on purpose: here they are the SQL function `scheduling_book`
(`onetrip/scheduling/sql/scheduling_book.sql`, created by migration 0005), and for SQLite (the
demo) they are `booking._decide_in_python`. `tests/test_booking_twins.py` runs both on random
sequences of bookings, holds, confirmations, cancellations, no-shows and clock moves and fails
on any difference. This module only builds the one statement and reads its answer; what each
outcome means to a user is `booking.refusal`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from onetrip.scheduling.policy import DEFAULT_POLICY


def _policy_as_json() -> str:
    """The default policy as the JSON the function merges overrides into (times as "HH:MM",
    the form `SchedulingPolicy.rules` stores)."""
    fields = dataclasses.asdict(DEFAULT_POLICY)
    return json.dumps(
        {
            name: value.strftime("%H:%M") if isinstance(value, dt.time) else value
            for name, value in fields.items()
        }
    )


DEFAULT_POLICY_JSON = _policy_as_json()


@dataclasses.dataclass(frozen=True)
class DatabaseDecision:
    outcome: str  # "booked", "earlier", or a refusal code
    appointment_id: int | None
    pool_kind: str | None
    detail: dict[str, Any]


def books_in_database() -> bool:
    """Whether bookings are decided by `scheduling_book` (PostgreSQL) rather than in Python."""
    return connection.vendor == "postgresql"


def _exists(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.values("pk").query.sql_with_params()
    return f"EXISTS ({sql})", params


def decide(
    *,
    patient_id: int,
    slot_id: int,
    channel: str,
    hold: bool,
    hold_until: dt.datetime | None,
    scope: str,
    key: str,
    priority: int,
    walk_in: bool,
    booked_by: str,
    replaces_id: int | None,
    in_scope: QuerySet,
    overdue: QuerySet | None,
    now: dt.datetime,
) -> DatabaseDecision:
    """One round trip: whether the caller may see the patient and whether they owe an overdue
    bill are the callers' own queries (identity's scope, billing's rule), joined into the call
    as EXISTS sub-queries; the function decides the rest and writes the appointment."""
    scope_sql, scope_params = _exists(in_scope)
    if overdue is None:
        overdue_sql, overdue_params = "FALSE", ()
    else:
        overdue_sql, overdue_params = _exists(overdue)
    sql = (
        "SELECT outcome, appointment_id, pool_kind, detail::text FROM scheduling_book("
        f"CASE WHEN {scope_sql} THEN %s::bigint END, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        f"{overdue_sql}, %s, %s, %s::jsonb)"
    )
    params = (
        *scope_params,
        patient_id,
        slot_id,
        channel,
        hold,
        hold_until,
        scope,
        key,
        priority,
        walk_in,
        booked_by[:150],
        replaces_id,
        *overdue_params,
        now,
        settings.TIME_ZONE,
        DEFAULT_POLICY_JSON,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        outcome, appointment_id, pool_kind, detail = cursor.fetchone()
    return DatabaseDecision(outcome, appointment_id, pool_kind, json.loads(detail or "{}"))
