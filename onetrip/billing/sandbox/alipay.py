"""Alipay open platform sandbox (the provider's side).

Shapes follow the open-platform documentation: `alipay.trade.wap.pay` opens the cashier;
`alipay.trade.query` answers `alipay_trade_query_response` with `trade_status`
(WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED) and code 10000, or 40004 with
sub_code ACQ.TRADE_NOT_EXIST; `alipay.trade.refund` with `out_request_no`; the asynchronous
notification is a form POST signed RSA2 (SHA256withRSA over the sorted `k=v&…` string without
`sign` and `sign_type`); the merchant answers the plain text `success`. Amounts are yuan strings.
"""

from __future__ import annotations

import datetime as dt
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

PROVIDER = "alipay"
APP_ID = "2021000122600001"
SELLER_ID = "2088621955000001"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def signing_content(params: dict[str, str]) -> str:
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in ("sign", "sign_type") and params[key] != ""
    )


def _failure(code: str, sub_code: str, sub_msg: str) -> dict:
    return {"code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


def _trade_no() -> str:
    return clock.now().strftime("%Y%m%d") + "2200" + f"{secrets.randbelow(10**16):016d}"


def wap_pay(biz_content: dict, *, notify_url: str) -> dict:
    """alipay.trade.wap.pay: a page request; answers where the buyer's browser goes."""
    try:
        amount = yuan_to_fen(biz_content["total_amount"])
    except (KeyError, ValueError):
        return _failure("40002", "ACQ.INVALID_PARAMETER", "total_amount 格式错误")
    if amount <= 0:
        return _failure("40002", "ACQ.INVALID_PARAMETER", "total_amount 必须大于0")
    trade, created = open_trade(
        provider=PROVIDER,
        out_trade_no=biz_content["out_trade_no"],
        trade_no=_trade_no(),
        amount_fen=amount,
        state="WAIT_BUYER_PAY",
        description=biz_content.get("subject", "")[:128],
        notify_url=notify_url,
        created_at=clock.now(),
    )
    if not created and trade.amount_fen != amount:
        return _failure("40004", "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    return {
        "code": "10000",
        "cashier_url": cashier_url("alipay", trade.out_trade_no),
    }


def trade_query(out_trade_no: str) -> dict:
    trade = SandboxTrade.objects.filter(provider=PROVIDER, out_trade_no=out_trade_no).first()
    if trade is None:
        answer = _failure("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
    else:
        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.state,
            "total_amount": fen_to_yuan(trade.amount_fen),
            "send_pay_date": trade.paid_at.strftime(TIME_FORMAT) if trade.paid_at else "",
        }
    return {"alipay_trade_query_response": answer}


def trade_refund(biz_content: dict) -> dict:
    with transaction.atomic():
        trade = (
            SandboxTrade.objects.select_for_update()
            .filter(provider=PROVIDER, out_trade_no=biz_content.get("out_trade_no", ""))
            .first()
        )
        earlier = SandboxRefund.objects.filter(
            out_refund_no=biz_content.get("out_request_no", "")
        ).first()
        if trade is None:
            answer = _failure("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        elif earlier is not None:
            answer = _refund_answer(trade, earlier)
        elif trade.paid_at is None:
            answer = _failure("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        else:
            amount = yuan_to_fen(biz_content["refund_amount"])
            if amount <= 0 or trade.refunded_fen + amount > trade.amount_fen:
                answer = _failure("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            else:
                made = SandboxRefund.objects.create(
                    trade=trade,
                    out_refund_no=biz_content["out_request_no"],
                    refund_no=trade.trade_no,
                    amount_fen=amount,
                    refunded_at=clock.now(),
                )
                fully = trade.refunded_fen + amount == trade.amount_fen
                SandboxTrade.objects.filter(pk=trade.pk).update(
                    refunded_fen=F("refunded_fen") + amount,
                    state="TRADE_CLOSED" if fully else trade.state,
                )
                trade.refresh_from_db()
                answer = _refund_answer(trade, made)
    return {"alipay_trade_refund_response": answer}


def _refund_answer(trade: SandboxTrade, made: SandboxRefund) -> dict:
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "fund_change": "Y",
        "refund_fee": fen_to_yuan(trade.refunded_fen),
        "send_back_fee": fen_to_yuan(made.amount_fen),
    }


def pay(out_trade_no: str) -> SandboxTrade:
    """The buyer confirms on the cashier page; the provider commits first, then notifies."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(
            provider=PROVIDER, out_trade_no=out_trade_no
        )
        if trade.state == "WAIT_BUYER_PAY":
            trade.state = "TRADE_SUCCESS"
            trade.paid_at = clock.now()
            trade.save(update_fields=["state", "paid_at"])
    return trade


def notification(trade: SandboxTrade, *, trade_status: str | None = None) -> dict[str, str]:
    """The form fields of an asynchronous notification, signed; each call a new `notify_id`.
    `trade_status` lets a test replay an older state (an out-of-order WAIT_BUYER_PAY)."""
    params = {
        "notify_time": clock.now().strftime(TIME_FORMAT),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "seller_id": SELLER_ID,
        "buyer_id": "2088102177846880",
        "trade_status": trade_status or trade.state,
        "total_amount": fen_to_yuan(trade.amount_fen),
        "receipt_amount": fen_to_yuan(trade.amount_fen),
        "buyer_pay_amount": fen_to_yuan(trade.amount_fen),
        "subject": trade.description,
        "gmt_create": trade.created_at.strftime(TIME_FORMAT),
        "gmt_payment": trade.paid_at.strftime(TIME_FORMAT) if trade.paid_at else "",
    }
    params["sign"] = sign(keys.platform_private_key(PROVIDER), signing_content(params))
    return params


BILL_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,"
    "终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
    "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
    "退款批次号/请求号,服务费（元）,分润（元）,备注"
)


def bill(day: dt.date) -> str:
    """The trade detail bill (`trade` type) of one day, as the downloaded CSV reads."""
    lines = [
        "#支付宝业务明细查询",
        f"#账号：[{SELLER_ID}0156]",
        f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day + dt.timedelta(days=1):%Y年%m月%d日} 00:00:00]",  # noqa: E501
        "#-----------------------------------------业务明细列表----------------------------------------",
        BILL_HEADER,
    ]
    trades = SandboxTrade.objects.filter(provider=PROVIDER, paid_at__date=day).order_by("paid_at")
    for trade in trades:
        lines.append(_line(trade, "交易", trade.amount_fen, trade.paid_at, ""))
    refunds = SandboxRefund.objects.filter(
        trade__provider=PROVIDER, refunded_at__date=day
    ).select_related("trade")
    for made in refunds.order_by("refunded_at"):
        lines.append(
            _line(made.trade, "退款", -made.amount_fen, made.refunded_at, made.out_refund_no)
        )
    lines += [
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{len(trades)}笔，商家实收共：{fen_to_yuan(sum(t.amount_fen for t in trades))}元",  # noqa: E501
        f"#退款合计：{len(refunds)}笔，商家实收共：{fen_to_yuan(-sum(r.amount_fen for r in refunds))}元",  # noqa: E501
        f"#导出时间：[{clock.now():%Y年%m月%d日 %H:%M:%S}]",
    ]
    return "\n".join(lines) + "\n"


def _line(trade: SandboxTrade, kind: str, fen: int, at: dt.datetime, request_no: str) -> str:
    return ",".join(
        [
            trade.trade_no,
            trade.out_trade_no,
            kind,
            trade.description.replace(",", " "),
            trade.created_at.strftime(TIME_FORMAT),
            at.strftime(TIME_FORMAT),
            "",
            "",
            "",
            "",
            "buy***@example.com",
            fen_to_yuan(fen),
            fen_to_yuan(fen),
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "",
            "0.00",
            "0.00",
            request_no,
            "0.00",
            "0.00",
            "",
        ]
    )
