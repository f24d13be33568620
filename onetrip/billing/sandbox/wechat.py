"""WeChat Pay API v3 sandbox (the provider's side).

Shapes follow the v3 documentation: H5 order `POST /v3/pay/transactions/h5` answers `h5_url`;
order query `GET /v3/pay/transactions/out-trade-no/{out_trade_no}`; refund
`POST /v3/refund/domestic/refunds`; notifications are JSON with an AEAD_AES_256_GCM encrypted
`resource`, signed over "timestamp\\nnonce\\nbody\\n" with the platform key (SHA256-RSA2048),
headers Wechatpay-Timestamp/-Nonce/-Signature/-Serial; the trade bill is CSV with each value
prefixed by a backtick and amounts in yuan.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import transaction
from django.db.models import F

from onetrip.billing.models import SandboxRefund, SandboxTrade
from onetrip.billing.money import fen_to_yuan
from onetrip.billing.sandbox import keys
from onetrip.billing.sandbox.cashier import cashier_url
from onetrip.billing.sandbox.signing import sign
from onetrip.billing.sandbox.trades import open_trade
from onetrip.core import clock

PROVIDER = "wechat"
MCHID = "1900000109"
APPID = "wxd678efh567hg6787"

STATE_DESCRIPTIONS = {"NOTPAY": "未支付", "SUCCESS": "支付成功", "REFUND": "转入退款"}


def _error(status: int, code: str, message: str) -> tuple[int, dict]:
    return status, {"code": code, "message": message}


def _transaction_id() -> str:
    return "4200" + clock.now().strftime("%Y%m%d") + f"{secrets.randbelow(10**16):016d}"


def create_h5_order(body: dict) -> tuple[int, dict]:
    amount = body.get("amount", {}).get("total")
    out_trade_no = body.get("out_trade_no", "")
    if not isinstance(amount, int) or amount <= 0:
        return _error(400, "PARAM_ERROR", "amount.total 必须为正整数")
    if not 6 <= len(out_trade_no) <= 32:
        return _error(400, "PARAM_ERROR", "out_trade_no 长度应为6-32")
    trade, created = open_trade(
        provider=PROVIDER,
        out_trade_no=out_trade_no,
        trade_no=_transaction_id(),
        amount_fen=amount,
        state="NOTPAY",
        description=body.get("description", "")[:128],
        notify_url=body.get("notify_url", ""),
        created_at=clock.now(),
    )
    if not created and trade.amount_fen != amount:
        return _error(400, "INVALID_REQUEST", "201 商户订单号重复")
    return 200, {"h5_url": cashier_url("wechat", out_trade_no)}


def _transaction_json(trade: SandboxTrade) -> dict:
    body = {
        "appid": APPID,
        "mchid": MCHID,
        "out_trade_no": trade.out_trade_no,
        "trade_type": "MWEB",
        "trade_state": trade.state,
        "trade_state_desc": STATE_DESCRIPTIONS.get(trade.state, trade.state),
        "amount": {"total": trade.amount_fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    if trade.paid_at is not None:
        body["transaction_id"] = trade.trade_no
        body["bank_type"] = "OTHERS"
        body["success_time"] = trade.paid_at.isoformat(timespec="seconds")
        body["payer"] = {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
        body["amount"]["payer_total"] = trade.amount_fen
    return body


def query_order(out_trade_no: str) -> tuple[int, dict]:
    trade = SandboxTrade.objects.filter(provider=PROVIDER, out_trade_no=out_trade_no).first()
    if trade is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    return 200, _transaction_json(trade)


def refund(body: dict) -> tuple[int, dict]:
    amount = body.get("amount", {})
    with transaction.atomic():
        trade = (
            SandboxTrade.objects.select_for_update()
            .filter(provider=PROVIDER, out_trade_no=body.get("out_trade_no", ""))
            .first()
        )
        if trade is None:
            return _error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        earlier = SandboxRefund.objects.filter(out_refund_no=body.get("out_refund_no")).first()
        if earlier is not None:
            return 200, _refund_json(trade, earlier)
        if trade.paid_at is None:
            return _error(400, "INVALID_REQUEST", "订单未支付")
        if amount.get("total") != trade.amount_fen:
            return _error(400, "INVALID_REQUEST", "订单金额与原订单不一致")
        if not isinstance(amount.get("refund"), int) or amount["refund"] <= 0:
            return _error(400, "PARAM_ERROR", "amount.refund 必须为正整数")
        if trade.refunded_fen + amount["refund"] > trade.amount_fen:
            return _error(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        made = SandboxRefund.objects.create(
            trade=trade,
            out_refund_no=body["out_refund_no"],
            refund_no="5030" + f"{secrets.randbelow(10**24):024d}",
            amount_fen=amount["refund"],
            refunded_at=clock.now(),
        )
        SandboxTrade.objects.filter(pk=trade.pk).update(
            refunded_fen=F("refunded_fen") + made.amount_fen, state="REFUND"
        )
    return 200, _refund_json(trade, made)


def _refund_json(trade: SandboxTrade, made: SandboxRefund) -> dict:
    return {
        "refund_id": made.refund_no,
        "out_refund_no": made.out_refund_no,
        "transaction_id": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "status": "SUCCESS",
        "success_time": made.refunded_at.isoformat(timespec="seconds"),
        "amount": {"refund": made.amount_fen, "total": trade.amount_fen, "currency": "CNY"},
    }


def pay(out_trade_no: str) -> SandboxTrade:
    """The patient confirms on the cashier page: the provider books the money, in its own
    transaction, before it tells the merchant anything."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(
            provider=PROVIDER, out_trade_no=out_trade_no
        )
        if trade.state == "NOTPAY":
            trade.state = "SUCCESS"
            trade.paid_at = clock.now()
            trade.save(update_fields=["state", "paid_at"])
    return trade


def notification(trade: SandboxTrade) -> tuple[dict[str, str], bytes]:
    """A TRANSACTION.SUCCESS notification as WeChat Pay would POST it to `notify_url`. Each call
    is a new delivery with its own id, nonce and signature, like the provider's retries."""
    resource = json.dumps(_transaction_json(trade), ensure_ascii=False).encode()
    nonce = secrets.token_hex(6)
    associated = "transaction"
    ciphertext = AESGCM(keys.wechat_api_v3_key()).encrypt(
        nonce.encode(), resource, associated.encode()
    )
    now = clock.now()
    body = json.dumps(
        {
            "id": f"{trade.trade_no[-12:]}-{secrets.token_hex(8)}",
            "create_time": now.isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    )
    return sign_message(body, timestamp=str(int(now.timestamp())))


def sign_message(body: str, *, timestamp: str) -> tuple[dict[str, str], bytes]:
    nonce = secrets.token_hex(16)
    signature = sign(keys.platform_private_key(PROVIDER), f"{timestamp}\n{nonce}\n{body}\n")
    headers = {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": keys.platform_serial(PROVIDER),
    }
    return headers, body.encode()


TRADEBILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def tradebill(day: dt.date) -> str:
    """The `ALL` trade bill of one day: payments made and refunds granted that day."""
    lines = [TRADEBILL_HEADER]
    trades = SandboxTrade.objects.filter(provider=PROVIDER, paid_at__date=day).order_by("paid_at")
    for trade in trades:
        lines.append(_bill_line(trade, trade.paid_at, "SUCCESS", trade.amount_fen))
    refunds = SandboxRefund.objects.filter(
        trade__provider=PROVIDER, refunded_at__date=day
    ).select_related("trade")
    for made in refunds.order_by("refunded_at"):
        lines.append(_bill_line(made.trade, made.refunded_at, "REFUND", 0, refund=made, paid_fen=0))
    lines.append(
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
    )
    paid = sum(t.amount_fen for t in trades)
    refunded = sum(r.amount_fen for r in refunds)
    lines.append(
        ",".join(
            f"`{v}"
            for v in (len(lines) - 2, fen_to_yuan(paid), fen_to_yuan(refunded), "0.00", "0.00")
        )
        + f",`{fen_to_yuan(paid)},`{fen_to_yuan(refunded)}"
    )
    return "\n".join(lines) + "\n"


def _bill_line(trade, at, state, settle_fen, *, refund=None, paid_fen=None) -> str:
    fields = [
        at.strftime("%Y-%m-%d %H:%M:%S"),
        APPID,
        MCHID,
        "0",
        "",
        trade.trade_no,
        trade.out_trade_no,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "MWEB",
        state,
        "OTHERS",
        "CNY",
        fen_to_yuan(settle_fen),
        "0.00",
        refund.refund_no if refund else "0",
        refund.out_refund_no if refund else "0",
        fen_to_yuan(refund.amount_fen if refund else 0),
        "0.00",
        "ORIGINAL" if refund else "",
        "SUCCESS" if refund else "",
        trade.description.replace(",", " "),
        "",
        "0.00",
        "0.60%",
        fen_to_yuan(trade.amount_fen if paid_fen is None else paid_fen),
        fen_to_yuan(refund.amount_fen if refund else 0),
        "",
    ]
    return ",".join(f"`{value}" for value in fields)
