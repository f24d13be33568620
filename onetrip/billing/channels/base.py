"""What every payment channel offers billing. Counter channels (cash, cheque, POS) succeed when
the cashier records them; provider channels (WeChat Pay, Alipay) start an order, are confirmed by
a signed asynchronous notice or an active query, refund back to the original order and publish a
daily statement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from django.http import HttpResponse

PAID = "paid"
WAITING = "waiting"
CLOSED = "closed"
UNKNOWN = "unknown"  # the provider has no such order


@dataclass(frozen=True)
class ProviderOrder:
    """The provider's view of one order, in billing's words."""

    out_trade_no: str
    state: str
    provider_trade_no: str = ""
    amount_fen: int = 0
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class Notice:
    notice_id: str
    order: ProviderOrder


class StatementRow(NamedTuple):
    """One line of a provider's daily statement: a payment (key = out_trade_no) or a refund
    (key = out_refund_no). A tuple, not a dataclass: a statement has a million of them."""

    kind: str  # "payment" or "refund"
    key: str
    amount_fen: int
    status: str


class BadNotice(Exception):
    """A notification we must not act on (bad signature, unreadable body)."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ProviderRefused(Exception):
    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.code = code


class ChannelAdapter(Protocol):
    code: str
    asynchronous: bool  # the patient pays at the provider; a notice or a query confirms it
    needs_reference: bool  # a cheque number, a POS slip number

    def start(self, *, out_trade_no: str, amount_fen: int, description: str) -> str:
        """Open the order at the provider; the cashier URL the patient pays on ("" if none)."""

    def query(self, out_trade_no: str) -> ProviderOrder:
        """Active query (order query) for recovery."""

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> str:
        """Refund back to the original order; the provider's refund number."""

    def read_notice(self, headers: dict[str, str], body: bytes) -> Notice:
        """Verify and decode an asynchronous notification, or raise BadNotice."""

    def acknowledge(self) -> HttpResponse: ...

    def reject(self, reason: str) -> HttpResponse: ...

    def download_statement(self, day: dt.date) -> str:
        """The provider's statement file of one day ("" where the channel has none)."""

    def read_statement(self, text: str) -> list[StatementRow]: ...
