from urllib.parse import urlencode

from onetrip.billing.models import SandboxTrade
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.services import payments
from onetrip.billing.services.settlements import SettlementRequest, settle_bill


def settle(bill, actor, *, channel="wechat", mode="in_clinic", **extra):
    return settle_bill(
        SettlementRequest(bill_id=bill.pk, mode=mode, channel=channel, **extra), actor=actor
    )


def provider_pays(settlement) -> SandboxTrade:
    """The patient pays on the provider's cashier page (the provider commits its side)."""
    sandbox = wechat_sandbox if settlement.channel == "wechat" else alipay_sandbox
    return sandbox.pay(settlement.payment.out_trade_no)


def wechat_notice(trade):
    return wechat_sandbox.notification(trade)


def alipay_notice(trade, **overrides):
    return {}, urlencode(alipay_sandbox.notification(trade, **overrides)).encode()


def deliver(channel, notice):
    headers, body = notice
    return payments.receive_notice(channel, headers, body)
