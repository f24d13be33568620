"""A provider's "paid" notice recorded and applied by PostgreSQL in one round trip (issue 14,
D291).

The rules of applying a verified paid notice to a plain payment (no insurance or commercial
part, whose platforms are called before the transaction) live twice, as a counter settlement's
do (D290): here they are the SQL function `billing_settle_notice`
(`onetrip/billing/sql/billing_settle_notice.sql`, billing migration 0010), and for SQLite (the
demo) and every other notice they are `payments.receive_notice`'s transaction with
`settlements.settle_paid_order` and `_complete`. `tests/test_notice_twins.py` runs both on random
sequences and fails on any difference, in the answers and in the rows written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from django.db import connection

from onetrip.billing import domain_events
from onetrip.billing.channels.base import ProviderOrder
from onetrip.billing.models import Payment
from onetrip.core import audit
from onetrip.core.actors import SYSTEM

_CALL = (
    "SELECT outcome, payment_status, charges::text FROM billing_settle_notice("
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
)
_SYSTEM_COLUMNS = json.dumps(audit.actor_columns(SYSTEM))


@dataclasses.dataclass(frozen=True)
class NoticeDecision:
    outcome: str  # "settled", "duplicate", "already", "python", or a refusal code
    payment_status: str | None  # for 'payment_closed': the state the payment was in
    keyed_lines: list[tuple[str, str]]


def settles_in_database() -> bool:
    """Whether paid notices are applied by `billing_settle_notice` (PostgreSQL)."""
    return connection.vendor == "postgresql"


def takes(payment: Payment) -> bool:
    """A payment whose settlement has no insurance or commercial part (read with the payment)."""
    settlement = payment.settlement
    return not settlement.insurance_quote_id and not settlement.commercial_id


def decide(
    *,
    channel: str,
    notice_id: str,
    order: ProviderOrder,
    clearing: str,
    now: dt.datetime,
) -> NoticeDecision:
    params = (
        channel,
        notice_id,
        order.out_trade_no,
        order.state,
        order.provider_trade_no,
        order.amount_fen,
        order.paid_at,
        now,
        clearing,
        list(domain_events.REMOTE_MODES),
        list(domain_events.IN_PERSON_CHANNELS),
        _SYSTEM_COLUMNS,
    )
    with connection.cursor() as cursor:
        cursor.execute(_CALL, params)
        outcome, status, lines = cursor.fetchone()
    keyed = [(source, key) for source, key in json.loads(lines)] if lines else []
    return NoticeDecision(outcome, status, keyed)
