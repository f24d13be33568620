"""The domain events billing emits (`core.events.EventKind`, R-KPI-1/2), beside the audit row of
a settlement and of a refund. A settlement is on site unless it was made remotely (the patient's
phone, the ward's mobile payment, pay after treatment) through a remote instrument: paying cash,
a cheque or a bank card means standing at a desk whatever the mode says."""

from __future__ import annotations

from onetrip.billing.models import PaymentChannel, Refund, Settlement, SettlementMode
from onetrip.consortium.models import Clinic
from onetrip.core import events
from onetrip.core.events import EventKind

REMOTE_MODES = (SettlementMode.MOBILE, SettlementMode.INPATIENT_MOBILE, SettlementMode.PAY_LATER)
IN_PERSON_CHANNELS = (PaymentChannel.CASH, PaymentChannel.CHEQUE, PaymentChannel.BANK_CARD)


def on_site(mode: str, channel: str) -> bool:
    return mode not in REMOTE_MODES or channel in IN_PERSON_CHANNELS


def _consulting_room(settlement: Settlement) -> str:
    if settlement.mode != SettlementMode.IN_CLINIC or settlement.clinic_id is None:
        return ""
    clinic = Clinic.objects.get(pk=settlement.clinic_id)
    return clinic.location or clinic.name


def settled(settlement: Settlement, *, fees: bool) -> None:
    """`fees`: the settlement paid charges (its receipt is a medical e-bill), not a deposit
    top-up or a pay-after-treatment repayment."""
    bill = settlement.bill
    events.emit(
        EventKind.PAYMENT_SETTLED,
        subject=settlement,
        patient_id=bill.patient_id,
        institution_id=bill.institution_id,
        on_site=on_site(settlement.mode, settlement.channel),
        channel=settlement.mode,
        occurred_at=settlement.settled_at,
        data={
            "settlement_id": settlement.pk,
            "bill_id": bill.pk,
            "mode": settlement.mode,
            "payment_channel": settlement.channel,
            "total_fen": settlement.total_fen,
            "insurance_fen": settlement.fund_fen + settlement.account_fen,
            "cash_fen": settlement.cash_fen,
            "consulting_room": _consulting_room(settlement),
            # The consulting room itself (a clinic), which in-clinic coverage counts (D91).
            "clinic_id": settlement.clinic_id
            if settlement.mode == SettlementMode.IN_CLINIC
            else None,
            "fees": fees,
        },
    )


def refunded(refund: Refund, settlement: Settlement) -> None:
    bill = settlement.bill
    events.emit(
        EventKind.PAYMENT_REFUNDED,
        subject=refund,
        patient_id=bill.patient_id,
        institution_id=bill.institution_id,
        channel=settlement.mode,
        occurred_at=refund.refunded_at,
        data={
            "settlement_id": settlement.pk,
            "refund_id": refund.pk,
            "amount_fen": refund.amount_fen,
        },
    )
