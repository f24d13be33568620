"""A counter settlement decided and written by PostgreSQL in one round trip (issue 14, D290), and
a phone payment's settlement opened the same way (D330).

The rules of a settlement at a counter (cash, cheque or bank card, without insurance, a
commercial insurer or the deposit) live twice, on purpose, as a booking's do (D180): here they
are the SQL function `billing_settle_at_counter`
(`onetrip/billing/sql/billing_settle_at_counter.sql`, created by billing migration 0009), and
for SQLite (the demo) and every other settlement they are `settlements._settle` with
`take_payment` and `_complete`. `tests/test_counter_twins.py` runs both on random sequences and
fails on any difference, in the answers and in the rows written. This module only says which
settlements the function takes, builds the one statement and reads its answer (the settlement
and its payment as models, without a query); what an outcome means to a user is
`settlements`'.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, TypeVar

from django.db import connection, models

from onetrip.billing.models import Bill, Payment, Settlement
from onetrip.billing.services.scope import bills_in_scope
from onetrip.core import compiled
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.rows import model_from_row

# The channels whose money is taken at the desk as the cashier answers (no provider, no
# insurance, no credit, no deposit).
COUNTER_CHANNELS = ("cash", "cheque", "bank_card")
# The phone channels whose settlement the function opens, pending, for the provider's order
# (D330); the order itself is asked for by `settlements`, the function's answer in hand.
PHONE_CHANNELS = ("wechat", "alipay")

M = TypeVar("M", bound=models.Model)


@dataclasses.dataclass(frozen=True)
class CounterDecision:
    outcome: str  # "settled", "pending" (a phone channel's), "earlier", or a refusal code
    settlement: Settlement | None
    keyed_lines: list[tuple[str, str]]  # (source, source_key) of the lines taken, in id order
    earlier_id: int | None


def settles_in_database() -> bool:
    """Whether counter settlements are decided by `billing_settle_at_counter` (PostgreSQL)."""
    return connection.vendor == "postgresql"


def takes(request: Any, actor: Actor) -> bool:
    """Whether `request` (a valid `SettlementRequest`) is a settlement the function decides or
    opens: a counter or phone channel, nothing but the channel paying, and a caller whose bills
    are those of an institution or all of them (a patient's bills are identity's question: a
    patient's own phone payment is opened by `settlements._settle`)."""
    return (
        request.channel in (*COUNTER_CHANNELS, *PHONE_CHANNELS)
        and not request.use_insurance
        and not request.use_commercial
        and not request.from_deposit
        and not request.blood_fen
        and actor.kind in (ActorKind.STAFF, ActorKind.CLIENT, ActorKind.SYSTEM)
    )


def _bill_scope(actor: Actor, bill_id: int) -> tuple[str, tuple]:
    """`scope.bills_in_scope(actor)` for this bill, as an SQL condition compiled once per kind
    of caller (D240): the rule stays `bills_in_scope`."""
    if actor.kind == ActorKind.SYSTEM:
        return compiled.condition(
            ("billing.bill_in_scope", "all"),
            lambda bill_id: bills_in_scope(actor).filter(pk=bill_id),
            bill_id=bill_id,
        )
    return compiled.condition(
        ("billing.bill_in_scope", "institution"),
        lambda bill_id, institution_id: bills_in_scope(
            dataclasses.replace(actor, institution_id=institution_id)
        ).filter(pk=bill_id),
        bill_id=bill_id,
        institution_id=actor.institution_id,
    )


_CALL = (
    "SELECT outcome, settlement::text, payment::text, charges::text, earlier_id "
    "FROM billing_settle_at_counter(CASE WHEN {scope} THEN %s::bigint END, "
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
)


def decide(
    *,
    bill_id: int,
    mode: str,
    channel: str,
    reference: str,
    clinic_id: int | None,
    scope: str,
    key: str,
    started_by: str,
    settled_by: str,
    now: dt.datetime,
    clearing: str,
    on_site: bool,
    actor: Actor,
    actor_columns: dict[str, Any],
) -> CounterDecision:
    """One round trip: the bill locked if the caller may reach it, the settlement decided and
    written with its payment, journal, audit rows and domain event (a phone channel's: opened,
    with its payment pending and its audit row); the answer is what was written."""
    scope_sql, scope_params = _bill_scope(actor, bill_id)
    params = (
        *scope_params,
        bill_id,
        mode,
        channel,
        reference,
        clinic_id,
        scope,
        key,
        started_by,
        settled_by,
        now,
        f"OT{now:%Y%m%d}",
        clearing,
        on_site,
        json.dumps(actor_columns),
    )
    with connection.cursor() as cursor:
        cursor.execute(_CALL.format(scope=scope_sql), params)
        outcome, settlement_row, payment_row, lines, earlier_id = cursor.fetchone()
    if outcome not in ("settled", "pending"):
        return CounterDecision(outcome, None, [], earlier_id)
    settlement_fields = json.loads(settlement_row)
    settlement = model_from_row(Settlement, settlement_fields)
    if "bill" in settlement_fields:  # a pending one's: the provider's order names the visit
        settlement._state.fields_cache["bill"] = model_from_row(Bill, settlement_fields["bill"])
    payment = model_from_row(Payment, json.loads(payment_row))
    # As `_complete` leaves them: the payment names its settlement, the settlement its payment.
    payment._state.fields_cache["settlement"] = settlement
    settlement._state.fields_cache["payment"] = payment
    keyed = [(source, source_key) for source, source_key in json.loads(lines)]
    return CounterDecision(outcome, settlement, keyed, None)
