"""Counter channels: cash, cheque and bank card at a POS terminal. The cashier takes the money
and records it (with the cheque or POS slip number); nothing is asynchronous."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse

from onetrip.billing.channels.base import PAID, ProviderOrder, ProviderRefused, StatementRow


class CounterChannel:
    asynchronous = False

    def __init__(self, code: str, *, needs_reference: bool) -> None:
        self.code = code
        self.needs_reference = needs_reference

    def start(self, *, out_trade_no: str, amount_fen: int, description: str) -> str:
        return ""

    def query(self, out_trade_no: str) -> ProviderOrder:
        return ProviderOrder(out_trade_no=out_trade_no, state=PAID)

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> str:
        return out_refund_no  # handed back at the counter (POS refunds print their own slip)

    def read_notice(self, headers: dict[str, str], body: bytes):
        raise ProviderRefused("counter channels send no notifications", code="no_notices")

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(status=204)

    def reject(self, reason: str) -> HttpResponse:
        return HttpResponse(reason, status=400)

    def download_statement(self, day: dt.date) -> str:
        return ""

    def read_statement(self, text: str) -> list[StatementRow]:
        return []
