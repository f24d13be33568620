from collections import defaultdict
from urllib.parse import urlencode

from onetrip.billing.models import JournalLine, SandboxTrade
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.services import charges, deposits, payments
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


def charge_inpatient(patient, institution, actor, *, code="EX-CT", quantity=1, key="zy-line"):
    """A charge to the admission ZY20261123001 (opening its inpatient bill on the first)."""
    return charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=institution.pk,
            visit_reference="ZY20261123001",
            item_code=code,
            quantity=quantity,
            source="ward",
            source_key=key,
            visit_kind="inpatient",
        ),
        actor=actor,
    )


def top_up(bill, actor, amount_fen, *, channel="cash", **extra):
    return deposits.top_up(
        deposits.TopUpRequest(bill_id=bill.pk, amount_fen=amount_fen, channel=channel, **extra),
        actor=actor,
    )


def discharge(bill, actor, **extra):
    return deposits.settle_at_discharge(
        deposits.DischargeRequest(bill_id=bill.pk, **extra), actor=actor
    )


def journal_balances() -> dict[str, int]:
    """Net debit − credit per ledger account over the whole journal."""
    net: dict[str, int] = defaultdict(int)
    for line in JournalLine.objects.all():
        net[line.account] += line.debit_fen - line.credit_fen
    return dict(net)
