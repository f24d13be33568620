"""Insurance through the seam (R-PAY-3) and pay after treatment (R-PAY-4)."""

import datetime as dt

import pytest

from onetrip.billing.models import Debt, JournalLine, Settlement
from onetrip.billing.services import charges, credit
from onetrip.billing.services.settlements import repay_debt
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.consortium import services as consortium
from onetrip.core.actors import SYSTEM
from onetrip.notifications.testing import delivered
from onetrip.scheduling.tests.helpers import add_doctor_sessions, book_at, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def self_paid_drug(bill, patient, tertiary, cashier):
    """A 丙类 (self-paid) item on the visit: insurance leaves 50.00 CNY personal cash."""
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference="MZ20261123001",
            item_code="SP-NUT",
            quantity=1,
            source="prescription",
            source_key="rx-9-1",
        ),
        actor=cashier,
    )
    return bill


def test_an_insured_bill_splits_and_wechat_takes_only_the_cash_part(self_paid_drug, cashier, clock):
    settlement = settle(self_paid_drug, cashier, channel="wechat", use_insurance=True)
    assert settlement.fund_fen + settlement.account_fen + settlement.cash_fen == 26500
    assert settlement.payment.amount_fen == settlement.cash_fen > 0
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    settlement.refresh_from_db()
    assert settlement.status == "settled"
    assert settlement.insurance_settlement_id
    debit = {line.account: line.debit_fen for line in JournalLine.objects.filter(credit_fen=0)}
    assert debit["wechat"] == settlement.cash_fen
    assert debit.get("insurance_receivable", 0) == settlement.fund_fen


def test_pay_after_treatment_leaves_a_debt_due_in_ten_days(self_paid_drug, cashier, clock):
    settlement = settle(
        self_paid_drug, cashier, channel="credit", mode="pay_later", use_insurance=True
    )
    debt = Debt.objects.get()
    assert settlement.status == "settled"
    assert debt.amount_fen == settlement.cash_fen
    assert debt.due_on == clock_today() + dt.timedelta(days=10)
    assert not credit.has_overdue_debt(debt.patient)


def clock_today():
    from onetrip.core import clock

    return clock.today()


def test_a_self_paying_patient_cannot_pay_later(bill, cashier, clock):
    with pytest.raises(credit.CreditRefused) as refused:
        settle(bill, cashier, channel="credit", mode="pay_later")
    assert refused.value.code == "not_insured"
    assert not Settlement.objects.exists()


def test_reminder_before_due_then_overdue_blocks_until_paid_on_the_phone(
    self_paid_drug, cashier, clock
):
    settle(self_paid_drug, cashier, channel="credit", mode="pay_later", use_insurance=True)
    debt = Debt.objects.get()
    clock.advance(dt.timedelta(days=8))
    assert credit.send_due_reminders() == 1
    assert credit.send_due_reminders() == 0  # once
    assert delivered().filter(purpose="billing_due").count() == 1
    clock.advance(dt.timedelta(days=3))
    assert credit.has_overdue_debt(debt.patient)
    with pytest.raises(credit.CreditRefused) as refused:
        credit.check_eligible(debt.patient, 100, insured=True)
    assert refused.value.code == "overdue_debt"

    repayment = repay_debt(debt_id=debt.pk, channel="wechat", actor=cashier)
    deliver("wechat", wechat_notice(provider_pays(repayment)))
    debt.refresh_from_db()
    assert debt.status == "paid"
    assert not credit.has_overdue_debt(debt.patient)
    credit_account = JournalLine.objects.filter(account="credit")
    assert sum(line.debit_fen - line.credit_fen for line in credit_account) == 0


def test_the_credit_limit_is_enforced(self_paid_drug, patient, cashier, settings, clock):
    Debt.objects.create(
        patient=patient,
        settlement=settle(self_paid_drug, cashier, channel="cash", mode="window"),
        amount_fen=credit.CREDIT_LIMIT_FEN - 100,
        due_on=dt.date(2026, 12, 1),
    )
    with pytest.raises(credit.CreditRefused) as refused:
        credit.check_eligible(patient, 101, insured=True)
    assert refused.value.code == "credit_limit"


def test_an_overdue_bill_blocks_new_bookings_until_it_is_paid(
    self_paid_drug, tertiary, clerk, cashier, clock
):
    settle(self_paid_drug, cashier, channel="credit", mode="pay_later", use_insurance=True)
    debt = Debt.objects.get()
    clock.advance(dt.timedelta(days=11))
    medicine = consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)
    session = add_doctor_sessions(medicine, name="赵医生", weekday=clock_today().weekday()).last()

    assert refused(lambda: book_at(clerk, debt.patient, session, "14:00")) == "overdue_debt"

    repayment = repay_debt(debt_id=debt.pk, channel="wechat", actor=cashier)
    deliver("wechat", wechat_notice(provider_pays(repayment)))
    assert book_at(clerk, debt.patient, session, "14:00").status == "booked"
