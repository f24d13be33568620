"""Mobile medical-insurance payment (医保移动支付) sandbox: the provider's side.

Shapes follow the national medical-insurance mobile payment interface as hospitals integrate it
through the e-insurance voucher (医保电子凭证): the patient authorises on the voucher's page
(`payAuthNo`), the hospital uploads the fee details (6201, answering `payOrdId` and `payToken`),
places the order (6202, answering the cashier `payUrl`), queries it (6301, `ordStas`: 0 created,
1 paying, 4 settled, 6 refunded, 7 closed…) and refunds it (6203); the platform notifies the
hospital's `notifyUrl` with a signed JSON body and expects {"code": 0}. Money is yuan strings at
this edge. The real platform signs with SM2/SM3 keys it issues to the hospital; the sandbox signs
the same way the other sandboxes do (RSA-2048/SHA-256) so the verification path is the one real
code has, with another algorithm behind it.

Only the personal cash part goes through this cashier: the fund and personal-account parts are
settled by the insurance app through billing's seams before the order is placed (D76).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from django.db import transaction
from django.db.models import F

from onetrip.billing.models import SandboxRefund, SandboxTrade
from onetrip.billing.money import fen_to_yuan, yuan_to_fen
from onetrip.billing.sandbox import keys
from onetrip.billing.sandbox.cashier import cashier_url
from onetrip.billing.sandbox.signing import sign
from onetrip.billing.sandbox.trades import open_trade
from onetrip.core import clock

PROVIDER = "ybpay"
ORG_CODE = "H33010200001"  # the medical institution's code on the insurance platform
APP_ID = "ybpay-onetrip-sandbox"
TIME_FORMAT = "%Y%m%d%H%M%S"
CREATED, SETTLED, REFUNDED, CLOSED = "0", "4", "6", "7"


def _failure(code: int, message: str) -> dict:
    return {"code": code, "success": False, "message": message}


def signing_content(body: dict) -> str:
    """The signed string: the fields sorted by name, `k=v&…`, without `signData` and empties."""
    return "&".join(
        f"{key}={body[key]}"
        for key in sorted(body)
        if key != "signData" and body[key] not in ("", None)
    )


def upload_and_order(data: dict, *, notify_url: str) -> dict:
    """6201 (fee details uploaded) and 6202 (order placed) in one call, as hospitals' gateways
    usually wrap them: answers `payOrdId` and the cashier `payUrl`."""
    try:
        amount = yuan_to_fen(data["ownPayAmt"])
    except (KeyError, ValueError):
        return _failure(-1, "ownPayAmt 格式错误")
    if amount <= 0:
        return _failure(-1, "ownPayAmt 必须大于0")
    if data.get("orgCodg") != ORG_CODE:
        return _failure(-1, "机构编码不一致")
    trade, created = open_trade(
        provider=PROVIDER,
        out_trade_no=data.get("medOrgOrd", ""),
        trade_no="ORD" + clock.now().strftime(TIME_FORMAT) + secrets.token_hex(6),
        amount_fen=amount,
        state=CREATED,
        description=data.get("orderName", "")[:128],
        notify_url=notify_url,
        created_at=clock.now(),
    )
    if not created and trade.amount_fen != amount:
        return _failure(-1, "订单信息不一致")
    return {
        "code": 0,
        "success": True,
        "data": {
            "payOrdId": trade.trade_no,
            "payToken": secrets.token_hex(8),
            "payUrl": cashier_url("ybpay", trade.out_trade_no),
        },
    }


def query_order(med_org_ord: str) -> dict:
    """6301: the order's state."""
    trade = SandboxTrade.objects.filter(provider=PROVIDER, out_trade_no=med_org_ord).first()
    if trade is None:
        return _failure(-1, "订单不存在")
    return {"code": 0, "success": True, "data": _order_fields(trade)}


def _order_fields(trade: SandboxTrade) -> dict:
    return {
        "payOrdId": trade.trade_no,
        "medOrgOrd": trade.out_trade_no,
        "ordStas": trade.state,
        "ownPayAmt": fen_to_yuan(trade.amount_fen),
        "traceTime": trade.paid_at.strftime(TIME_FORMAT) if trade.paid_at else "",
    }


def refund(data: dict) -> dict:
    """6203: a refund of the cash part (whole or partial), idempotent on `refdOrdId`."""
    with transaction.atomic():
        trade = (
            SandboxTrade.objects.select_for_update()
            .filter(provider=PROVIDER, out_trade_no=data.get("medOrgOrd", ""))
            .first()
        )
        earlier = SandboxRefund.objects.filter(out_refund_no=data.get("refdOrdId", "")).first()
        if trade is None:
            return _failure(-1, "订单不存在")
        if earlier is not None:
            return {"code": 0, "success": True, "data": {"refdId": earlier.refund_no}}
        if trade.paid_at is None:
            return _failure(-1, "订单状态不允许退款")
        amount = yuan_to_fen(data["refdAmt"])
        if amount <= 0 or trade.refunded_fen + amount > trade.amount_fen:
            return _failure(-1, "退款金额超限")
        made = SandboxRefund.objects.create(
            trade=trade,
            out_refund_no=data["refdOrdId"],
            refund_no="RFD" + secrets.token_hex(8),
            amount_fen=amount,
            refunded_at=clock.now(),
        )
        fully = trade.refunded_fen + amount == trade.amount_fen
        SandboxTrade.objects.filter(pk=trade.pk).update(
            refunded_fen=F("refunded_fen") + amount, state=REFUNDED if fully else trade.state
        )
    return {"code": 0, "success": True, "data": {"refdId": made.refund_no}}


def pay(out_trade_no: str) -> SandboxTrade:
    """The patient authorises with the e-insurance voucher and pays; committed, then notified."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(
            provider=PROVIDER, out_trade_no=out_trade_no
        )
        if trade.state == CREATED:
            trade.state = SETTLED
            trade.paid_at = clock.now()
            trade.save(update_fields=["state", "paid_at"])
    return trade


def notification(trade: SandboxTrade) -> bytes:
    """The signed JSON body the platform POSTs to `notifyUrl`; each call a new `notifyId`."""
    body = {
        "appId": APP_ID,
        "orgCodg": ORG_CODE,
        "notifyId": secrets.token_hex(16),
        **_order_fields(trade),
    }
    body["signData"] = sign(keys.platform_private_key(PROVIDER), signing_content(body))
    return json.dumps(body, ensure_ascii=False).encode()


def statement(day: dt.date) -> str:
    """The day's reconciliation file (对账文件): one `|`-separated line per payment or refund."""
    lines = ["medOrgOrd|payOrdId|type|amount|time"]
    for trade in SandboxTrade.objects.filter(provider=PROVIDER, paid_at__date=day).order_by(
        "paid_at"
    ):
        amount = fen_to_yuan(trade.amount_fen)
        lines.append(f"{trade.out_trade_no}|{trade.trade_no}|PAY|{amount}|{trade.paid_at:%H%M%S}")
    refunds = SandboxRefund.objects.filter(trade__provider=PROVIDER, refunded_at__date=day)
    for made in refunds.select_related("trade").order_by("refunded_at"):
        amount = fen_to_yuan(made.amount_fen)
        lines.append(
            f"{made.out_refund_no}|{made.refund_no}|REFUND|{amount}|{made.refunded_at:%H%M%S}"
        )
    return "\n".join(lines) + "\n"
