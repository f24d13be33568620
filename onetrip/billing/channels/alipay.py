"""Alipay (wap pay) as a billing channel. A notification is acted on only when its RSA2
signature verifies with Alipay's public key and its app_id is ours; we answer the plain text
`success` (anything else, and Alipay delivers again)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from onetrip.billing.channels.base import (
    CLOSED,
    PAID,
    UNKNOWN,
    WAITING,
    BadNotice,
    Notice,
    ProviderOrder,
    ProviderRefused,
    StatementRow,
)
from onetrip.billing.money import fen_to_yuan, yuan_to_fen
from onetrip.billing.sandbox import alipay as provider
from onetrip.billing.sandbox import keys
from onetrip.billing.sandbox.signing import verify

STATES = {
    "TRADE_SUCCESS": PAID,
    "TRADE_FINISHED": PAID,
    "WAIT_BUYER_PAY": WAITING,
    "TRADE_CLOSED": CLOSED,
}


class AlipayChannel:
    code = "alipay"
    asynchronous = True
    needs_reference = False

    def start(self, *, out_trade_no: str, amount_fen: int, description: str) -> str:
        answer = provider.wap_pay(
            {
                "out_trade_no": out_trade_no,
                "total_amount": fen_to_yuan(amount_fen),
                "subject": description[:256],
                "product_code": "QUICK_WAP_WAY",
            },
            notify_url=reverse("api:billing_alipay_notify"),
        )
        if answer["code"] != "10000":
            raise ProviderRefused(answer["sub_msg"], code=answer["sub_code"])
        return answer["cashier_url"]

    def query(self, out_trade_no: str) -> ProviderOrder:
        answer = provider.trade_query(out_trade_no)["alipay_trade_query_response"]
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return ProviderOrder(out_trade_no=out_trade_no, state=UNKNOWN)
        return _order(answer, paid_field="send_pay_date")

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> str:
        answer = provider.trade_refund(
            {
                "out_trade_no": out_trade_no,
                "refund_amount": fen_to_yuan(amount_fen),
                "out_request_no": out_refund_no,
            }
        )["alipay_trade_refund_response"]
        if answer["code"] != "10000":
            raise ProviderRefused(answer["sub_msg"], code=answer["sub_code"])
        return answer["trade_no"]

    def read_notice(self, headers: dict[str, str], body: bytes) -> Notice:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if params.get("sign_type") != "RSA2" or not verify(
            keys.platform_public_key(provider.PROVIDER),
            provider.signing_content(params),
            params.get("sign", ""),
        ):
            raise BadNotice("signature does not verify", code="bad_signature")
        if params.get("app_id") != provider.APP_ID:
            raise BadNotice("notification for another app", code="wrong_app")
        try:
            return Notice(notice_id=params["notify_id"], order=_order(params, "gmt_payment"))
        except (KeyError, ValueError) as exc:
            raise BadNotice("unreadable notification", code="bad_resource") from exc

    def acknowledge(self) -> HttpResponse:
        return HttpResponse("success", content_type="text/plain")

    def reject(self, reason: str) -> HttpResponse:
        return HttpResponse("failure", content_type="text/plain")

    def download_statement(self, day: dt.date) -> str:
        """alipay.data.dataservice.bill.downloadurl.query (bill_type=trade), then the file."""
        return provider.bill(day)

    def read_statement(self, text: str) -> list[StatementRow]:
        rows = []
        for line in text.splitlines():
            if line.startswith(("#", "支付宝交易号")):
                continue
            fields = line.split(",")
            if fields[2] == "退款":
                rows.append(StatementRow("refund", fields[21], -yuan_to_fen(fields[11]), PAID))
            else:
                rows.append(StatementRow("payment", fields[1], yuan_to_fen(fields[11]), PAID))
        return rows


def _order(fields: dict, paid_field: str) -> ProviderOrder:
    paid = fields.get(paid_field, "")
    state = STATES.get(fields["trade_status"], WAITING)
    return ProviderOrder(
        out_trade_no=fields["out_trade_no"],
        # A fully refunded trade closes, but it was paid.
        state=PAID if state == CLOSED and paid else state,
        provider_trade_no=fields.get("trade_no", ""),
        amount_fen=yuan_to_fen(fields["total_amount"]),
        # Alipay's times are Beijing wall-clock times without an offset.
        paid_at=timezone.make_aware(dt.datetime.strptime(paid, provider.TIME_FORMAT))  # noqa: DTZ007
        if paid
        else None,
    )
