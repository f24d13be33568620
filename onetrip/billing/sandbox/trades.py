"""A provider's order opened in its sandbox books once per merchant order number (D331)."""

from __future__ import annotations

from django.db import connection

from onetrip.billing.models import SandboxTrade


def open_trade(*, provider: str, out_trade_no: str, **fields) -> tuple[SandboxTrade, bool]:
    """`get_or_create` of the order in one statement and without savepoints: an INSERT that
    does nothing when the merchant's number is taken (`sandbox_trade_once`), then the order on
    file read only in that case. The sandboxes run inside the merchant's transaction, where an
    HTTPS call would be in production, so their own cost should stay small. Returns the order
    and whether this call opened it."""
    trade = SandboxTrade(provider=provider, out_trade_no=out_trade_no, **fields)
    columns = [field for field in SandboxTrade._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(SandboxTrade._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            "ON CONFLICT (provider, out_trade_no) DO NOTHING RETURNING id",
            [field.get_db_prep_save(field.pre_save(trade, True), connection) for field in columns],
        )
        opened = cursor.fetchone()
    if opened is None:
        return SandboxTrade.objects.get(provider=provider, out_trade_no=out_trade_no), False
    trade.pk = opened[0]
    trade._state.adding, trade._state.db = False, connection.alias
    return trade, True
