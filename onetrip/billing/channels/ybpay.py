"""Mobile medical-insurance payment (医保移动支付) as a billing channel (R-PAY-2, D76).

The insurance fund and personal-account parts are priced and settled by the insurance app
through `billing.seams` like any insured settlement; this channel carries the patient's
authorisation with the e-insurance voucher and the personal cash part, through the platform's
cashier. A notification is acted on only when its signature verifies with the platform's key and
it names our institution; we answer {"code": 0} (anything else, and the platform notifies again).
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse, JsonResponse
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
from onetrip.billing.sandbox import keys
from onetrip.billing.sandbox import ybpay as provider
from onetrip.billing.sandbox.signing import verify

STATES = {
    provider.CREATED: WAITING,
    "1": WAITING,  # paying
    provider.SETTLED: PAID,
    provider.REFUNDED: PAID,  # paid, then refunded
    provider.CLOSED: CLOSED,
}


class MobileInsuranceChannel:
    code = "ins_mobile"
    asynchronous = True
    needs_reference = False

    def start(self, *, out_trade_no: str, amount_fen: int, description: str) -> str:
        answer = provider.upload_and_order(
            {
                "orgCodg": provider.ORG_CODE,
                "medOrgOrd": out_trade_no,
                "ownPayAmt": fen_to_yuan(amount_fen),
                "orderName": description[:128],
            },
            notify_url=reverse("api:billing_ybpay_notify"),
        )
        if answer["code"] != 0:
            raise ProviderRefused(answer["message"], code="ybpay_refused")
        return answer["data"]["payUrl"]

    def query(self, out_trade_no: str) -> ProviderOrder:
        answer = provider.query_order(out_trade_no)
        if answer["code"] != 0:
            return ProviderOrder(out_trade_no=out_trade_no, state=UNKNOWN)
        return _order(answer["data"])

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> str:
        answer = provider.refund(
            {
                "medOrgOrd": out_trade_no,
                "refdOrdId": out_refund_no,
                "refdAmt": fen_to_yuan(amount_fen),
            }
        )
        if answer["code"] != 0:
            raise ProviderRefused(answer["message"], code="ybpay_refused")
        return answer["data"]["refdId"]

    def read_notice(self, headers: dict[str, str], body: bytes) -> Notice:
        try:
            fields = json.loads(body)
            signature = fields["signData"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadNotice("unreadable notification", code="bad_resource") from exc
        if not isinstance(fields, dict) or not verify(
            keys.platform_public_key(provider.PROVIDER),
            provider.signing_content(fields),
            str(signature),
        ):
            raise BadNotice("signature does not verify", code="bad_signature")
        if fields.get("orgCodg") != provider.ORG_CODE:
            raise BadNotice("notification for another institution", code="wrong_app")
        try:
            return Notice(notice_id=fields["notifyId"], order=_order(fields))
        except (KeyError, ValueError) as exc:
            raise BadNotice("unreadable notification", code="bad_resource") from exc

    def acknowledge(self) -> HttpResponse:
        return JsonResponse({"code": 0, "message": "成功"})

    def reject(self, reason: str) -> HttpResponse:
        return JsonResponse({"code": -1, "message": reason}, status=400)

    def download_statement(self, day: dt.date) -> str:
        return provider.statement(day)

    def read_statement(self, text: str) -> list[StatementRow]:
        rows = []
        for line in text.splitlines()[1:]:
            key, _provider_no, kind, amount, _time = line.split("|")
            rows.append(
                StatementRow(
                    "refund" if kind == "REFUND" else "payment", key, yuan_to_fen(amount), PAID
                )
            )
        return rows


def _order(fields: dict) -> ProviderOrder:
    paid = fields.get("traceTime", "")
    return ProviderOrder(
        out_trade_no=fields["medOrgOrd"],
        state=STATES.get(fields["ordStas"], WAITING),
        provider_trade_no=fields.get("payOrdId", ""),
        amount_fen=yuan_to_fen(fields["ownPayAmt"]),
        # The platform's times are Beijing wall-clock times without an offset.
        paid_at=timezone.make_aware(dt.datetime.strptime(paid, provider.TIME_FORMAT))  # noqa: DTZ007
        if paid
        else None,
    )
