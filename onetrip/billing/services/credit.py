"""Pay after treatment (R-PAY-4, 医后付): an insured patient with no overdue debt leaves without
paying, up to a credit limit (default 1,000 CNY, the Hangzhou 医信付 figure), and pays on the
phone within a set period (default 10 days). A reminder SMS goes out before the due date; an
overdue debt blocks new bookings (`has_overdue_debt`, for scheduling's booking checks)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy

from onetrip.billing.models import Debt, DebtStatus, Settlement
from onetrip.billing.money import fen_to_yuan
from onetrip.core import clock, compiled
from onetrip.core.errors import DomainError
from onetrip.identity.models import Patient
from onetrip.notifications import services as notifications

CREDIT_LIMIT_FEN = getattr(settings, "BILLING_CREDIT_LIMIT_FEN", 100_000)
PAY_WITHIN_DAYS = getattr(settings, "BILLING_PAY_LATER_DAYS", 10)
REMIND_DAYS_BEFORE = 2


class CreditRefused(DomainError):
    status = 409


def has_overdue_debt(patient: Patient | int) -> bool:
    """True while the patient owes a pay-after-treatment debt past its due date."""
    return overdue_debts(patient.pk if isinstance(patient, Patient) else patient).exists()


def overdue_debts(patient_id: int, *, today: dt.date | None = None) -> QuerySet[Debt]:
    """The patient's pay-after-treatment debts past their due date (a query, so a caller can
    join the rule into a statement of its own: the one-round-trip booking, D180)."""
    return Debt.objects.filter(
        patient_id=patient_id, status=DebtStatus.OPEN, due_on__lt=today or clock.today()
    )


def overdue_debt_condition(patient_id: int) -> tuple[str, tuple]:
    """`overdue_debts(patient_id)` as an SQL condition (`EXISTS (…)`) and its parameters,
    compiled once (D240): the rule is still `overdue_debts`."""
    return compiled.condition(
        "billing.overdue_debt",
        lambda patient_id, today: overdue_debts(patient_id, today=today),
        patient_id=patient_id,
        today=clock.today(),
    )


def check_eligible(patient: Patient, amount_fen: int, *, insured: bool) -> None:
    if not insured:
        raise CreditRefused(
            gettext_lazy("Pay after treatment is for insured patients."), code="not_insured"
        )
    if has_overdue_debt(patient):
        raise CreditRefused(gettext_lazy("Pay the overdue bill first."), code="overdue_debt")
    owed = (
        Debt.objects.filter(patient=patient, status=DebtStatus.OPEN).aggregate(
            owed=Sum("amount_fen")
        )["owed"]
        or 0
    )
    if owed + amount_fen > CREDIT_LIMIT_FEN:
        raise CreditRefused(
            gettext_lazy("This would go over the pay-after-treatment limit."),
            code="credit_limit",
        )


def open_debt(settlement: Settlement) -> Debt:
    return Debt.objects.create(
        patient_id=settlement.bill.patient_id,
        settlement=settlement,
        amount_fen=settlement.cash_fen,
        due_on=clock.today() + dt.timedelta(days=PAY_WITHIN_DAYS),
    )


def mark_repaid(debt: Debt) -> None:
    Debt.objects.filter(pk=debt.pk, status=DebtStatus.OPEN).update(status=DebtStatus.PAID)


def send_due_reminders() -> int:
    """Text every patient whose debt falls due within REMIND_DAYS_BEFORE days, once."""
    today = clock.today()
    due = Debt.objects.filter(
        status=DebtStatus.OPEN,
        reminded_at__isnull=True,
        due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
    ).select_related("patient")
    sent = 0
    for debt in due:
        with transaction.atomic():
            if not Debt.objects.filter(pk=debt.pk, reminded_at__isnull=True).update(
                reminded_at=clock.now()
            ):
                continue
            notifications.notify(
                "billing_due",
                phone=debt.patient.phone,
                subject=debt,
                params={"amount": fen_to_yuan(debt.amount_fen), "due": debt.due_on.isoformat()},
            )
            sent += 1
    return sent
