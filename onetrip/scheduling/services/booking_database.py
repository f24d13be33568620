"""A booking decided and written by PostgreSQL in one round trip (issue 14, D180).

The rules live twice, on purpose: here they are the SQL function `scheduling_book`
(`onetrip/scheduling/sql/scheduling_book.sql`, created by migration 0005), and for SQLite (the
demo) they are `booking._decide_in_python` and `booking._record_booking`.
`tests/test_booking_twins.py` runs both on random sequences of bookings, holds, confirmations,
cancellations, no-shows and clock moves and fails on any difference, in the answers and in the
rows written beside each booking. This module only builds the one statement and reads its answer
(the booking as models, without a query: D207); what each outcome means to a user is
`booking.refusal`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, models

from onetrip.consortium.models import Clinic, Department, Doctor, Institution
from onetrip.core.rows import model_from_row
from onetrip.scheduling.models import Appointment, ClinicSession, Slot, SlotPool
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

M = TypeVar("M", bound=models.Model)


@dataclasses.dataclass(frozen=True)
class DatabaseDecision:
    outcome: str  # "booked", "earlier", or a refusal code
    appointment_id: int | None
    pool_kind: str | None
    detail: dict[str, Any]


def books_in_database() -> bool:
    """Whether bookings are decided by `scheduling_book` (PostgreSQL) rather than in Python."""
    return connection.vendor == "postgresql"


class NeedsTransaction(Exception):
    """A call made alone (`decide(alone=True)`) whose answer needs Python's writes beside it:
    the function raised `NEEDS_TRANSACTION` (D326), so PostgreSQL undid everything it wrote."""


class FeeRefused(Exception):
    """The registration fee the call charged (`charge_fee`) was refused by billing's function:
    the function raised `FEE_REFUSED` (D326), so the booking was undone with it. `answer` is
    billing's, for `billing.services.sources.charged_in_call` to raise billing's error."""

    def __init__(self, answer: dict[str, Any]):
        super().__init__(answer.get("outcome"))
        self.answer = answer


# The SQLSTATEs `scheduling_book` raises with (onetrip/scheduling/sql/scheduling_book.sql).
NEEDS_TRANSACTION = "OTB01"
FEE_REFUSED = "OTB02"


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
    in_scope: tuple[str, tuple],
    overdue: tuple[str, tuple] | None,
    actor_columns: dict[str, Any],
    now: dt.datetime,
    notice: str | None,
    charge_fee: bool,
    alone: bool = False,
) -> DatabaseDecision:
    """One round trip: whether the caller may see the patient and whether they owe an overdue
    bill are the callers' own queries (identity's scope, billing's rule), joined into the call
    as EXISTS sub-queries (compiled once per shape by their apps, D240); the function decides
    the rest, writes the appointment with its affiliation, audit row (who acted:
    `actor_columns`), domain event and notice (`notice`, the outbox row to fill in: D270), with
    `charge_fee` the session's registration fee through billing's function (D343, answered
    under "fee"), and answers with the booking's details (`appointment_from`).

    `alone`: the caller runs the call as its own transaction (autocommit, D323), one round trip
    instead of three with `BEGIN` and `COMMIT`; if the answer needs Python's writes beside it,
    the function raises and everything is undone (`NeedsTransaction`): call again in one. A
    refused fee undoes the booking within the statement, alone or not (`FeeRefused`)."""
    scope_sql, scope_params = in_scope
    overdue_sql, overdue_params = overdue or ("FALSE", ())
    sql = (
        "SELECT outcome, appointment_id, pool_kind, detail::text FROM scheduling_book("
        f"CASE WHEN {scope_sql} THEN %s::bigint END, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        f"{overdue_sql}, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb, %s, %s)"
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
        json.dumps(actor_columns),
        notice,
        charge_fee,
        alone,
    )
    with connection.cursor() as cursor:
        try:
            cursor.execute(sql, params)
        except DatabaseError as exc:
            raised = exc.__cause__
            state = getattr(raised, "sqlstate", None)
            if state == NEEDS_TRANSACTION and alone:
                raise NeedsTransaction from None
            if state == FEE_REFUSED:
                raise FeeRefused(json.loads(raised.diag.message_detail)) from None  # type: ignore[union-attr]
            raise
        outcome, appointment_id, pool_kind, detail = cursor.fetchone()
    return DatabaseDecision(outcome, appointment_id, pool_kind, json.loads(detail or "{}"))


def appointment_from(booking: dict[str, Any]) -> Appointment:
    """The booking `scheduling_booking_details` answered with, as the models a read
    `queries.with_details` gives, and its patient with the name and phone only (the rest of
    the patient's record loads if asked for): no query."""
    session = model_from_row(ClinicSession, booking["session"])
    _joined(
        session,
        doctor=model_from_row(Doctor, booking["doctor"]),
        substitute=booking["substitute"] and model_from_row(Doctor, booking["substitute"]),
        clinic=model_from_row(Clinic, booking["clinic"]),
        department=model_from_row(Department, booking["department"]),
        institution=model_from_row(Institution, booking["institution"]),
    )
    slot = model_from_row(Slot, booking["slot"])
    _joined(slot, session=session)
    appointment = model_from_row(Appointment, booking["appointment"])
    _joined(appointment, slot=slot, pool=model_from_row(SlotPool, booking["pool"]), session=session)
    # The appointment's own foreign key names the patient model: scheduling imports no
    # identity model.
    patient_model: Any = Appointment._meta.get_field("patient").related_model
    appointment.patient = patient_model.from_db(
        connection.alias,
        ["id", "name", "phone"],
        [appointment.patient_id, booking["patient"]["name"], booking["patient"]["phone"]],
    )
    return appointment


def _joined(instance: models.Model, **related: models.Model | None) -> None:
    """The related rows cached on `instance` as `select_related` leaves them (D268): their ids
    are already the row's own, so nothing else changes."""
    instance._state.fields_cache.update(related)
