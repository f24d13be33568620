"""What a patient still has to pay, across every visit and institution (the phone's 待缴费)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import (
    Bill,
    Charge,
    PaymentChannel,
    PaymentStatus,
    Settlement,
    SettlementMode,
    SettlementStatus,
    VisitKind,
)
from onetrip.billing.services import settlements
from onetrip.billing.services.scope import bill_in_scope
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.notifications import services as notifications

# What a patient pays with on a phone or a kiosk (R-PAY-2).
PHONE_CHANNELS = (
    PaymentChannel.WECHAT,
    PaymentChannel.ALIPAY,
    PaymentChannel.INSURANCE_MOBILE,
)


@dataclass(frozen=True)
class OutstandingBill:
    bill: Bill
    charges: list[Charge]  # the lines no settlement has taken
    due_fen: int
    # A payment started and not yet confirmed: the lines are taken, the money not yet seen.
    waiting: bool


def unpaid_bills(patient_ids: Iterable[int]) -> list[OutstandingBill]:
    """Every bill of these patients with lines still to pay or a payment still waiting, oldest
    visit first; one read of the lines."""
    ids = list(patient_ids)
    lines = (
        Charge.objects.filter(bill__patient_id__in=ids)
        .filter(settlement__isnull=True)
        .select_related("bill__institution", "bill__patient")
        .order_by("bill__opened_at", "bill_id", "charged_at", "pk")
    )
    by_bill: dict[int, list[Charge]] = {}
    bills: dict[int, Bill] = {}
    for charge in lines:
        by_bill.setdefault(charge.bill_id, []).append(charge)
        bills[charge.bill_id] = charge.bill
    waiting = set(
        Bill.objects.filter(
            patient_id__in=ids, settlements__status=SettlementStatus.PENDING
        ).values_list("pk", flat=True)
    )
    return [
        OutstandingBill(
            bill=bills[bill_id],
            charges=charges,
            due_fen=sum(c.amount_fen for c in charges),
            waiting=bill_id in waiting,
        )
        for bill_id, charges in by_bill.items()
    ]


def paid_recently(patient_ids: Iterable[int], *, limit: int = 10) -> list[Settlement]:
    """The latest settled payments of these patients' bills (their e-bills are linked)."""
    return list(
        Settlement.objects.filter(
            bill__patient_id__in=list(patient_ids), status=SettlementStatus.SETTLED
        )
        .exclude(total_fen=0)
        .select_related("bill__institution", "bill__patient")
        .order_by("-settled_at", "-pk")[:limit]
    )


def pay_on_phone(
    *, bill_id: int, channel: str, actor: Actor, place: str = "phone", use_commercial: bool = False
) -> Settlement:
    """Start paying what is left on a bill from a phone or kiosk: WeChat Pay, Alipay or mobile
    medical insurance (which prices the fund and account parts first). The settlement's payment
    carries the provider's cashier URL; a part left at zero settles at once."""
    if channel not in PHONE_CHANNELS:
        raise InvalidInput.field("channel", _("Choose WeChat Pay, Alipay or mobile insurance."))
    bill = Bill.objects.filter(pk=bill_id).values_list("visit_kind", flat=True).first()
    if bill is None:
        raise NotFound(_("No such bill."), code="unknown_bill")
    inpatient = bill == VisitKind.INPATIENT
    modes = {
        "phone": SettlementMode.INPATIENT_MOBILE if inpatient else SettlementMode.MOBILE,
        "kiosk": SettlementMode.KIOSK,
    }
    return settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=bill_id, mode=modes[place], channel=channel, use_commercial=use_commercial
        ),
        actor=actor,
    )


def cashier_redirect(settlement: Settlement, back_to: str) -> str:
    """Where the patient goes after starting a payment: the provider's cashier (which sends them
    back to `back_to`, a page of ours), or straight back when nothing was left to pay there."""
    cashier = settlement.payment.cashier_url
    return f"{cashier}?{urlencode({'next': back_to})}" if cashier else back_to


def resume_cashier(settlement_id: int, back_to: str) -> str:
    """Where a patient who left a provider's cashier unpaid goes to finish paying: the same
    order's cashier while it is pending ("" once it is settled or closed). The order is not
    switched to another channel: the first one could still be paid and the fee paid twice."""
    settlement = (
        Settlement.objects.filter(pk=settlement_id, payment__status=PaymentStatus.PENDING)
        .select_related("payment")
        .first()
    )
    if settlement is None or not settlement.payment.cashier_url:
        return ""
    return cashier_redirect(settlement, back_to)


def bills_of(patient_ids: Iterable[int], *, institution_id: int, limit: int = 20) -> list[Bill]:
    """An institution's latest bills of these patients, each with `due_fen` still to pay: what a
    cashier picks from after finding a patient by name, document or phone."""
    return list(
        Bill.objects.filter(patient_id__in=list(patient_ids), institution_id=institution_id)
        .annotate(
            due_fen=Coalesce(
                Sum("charges__amount_fen", filter=Q(charges__settlement__isnull=True)), 0
            )
        )
        .select_related("patient")
        .order_by("-opened_at", "-pk")[:limit]
    )


@transaction.atomic
def text_bill_link(*, bill_id: int, link: str, actor: Actor) -> None:
    """The cashier texts the patient the link to pay a bill on the phone (the link is the
    interface's: a signed `web.links.bill_link`). Once a day however many clicks; audited."""
    bill = bill_in_scope(bill_id, actor)
    notifications.notify(
        "billing_link",
        phone=bill.patient.phone,
        subject=bill,
        params={"link": link},
        occasion=clock.today().isoformat(),
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        bill,
        patient_id=bill.patient_id,
        summary="bill link texted to the patient",
    )
