"""Issue 13 item 1 (D90): a registration fee paid for a booking that was served is simply paid; a
fee paid for a booking that ended before its visit is refunded, and only that fee, never the
other lines of the settlement that paid it. The invariant `fee_refund_problems` says so of every
refund (the simulator checks it after each run)."""

from __future__ import annotations

import pytest

from onetrip.billing.models import Charge, Refund, SettlementStatus
from onetrip.billing.services import charges, payments
from onetrip.billing.tests.conftest import cashier, catalogue  # noqa: F401 (fixtures)
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.conftest import actor_for
from onetrip.scheduling.models import Appointment
from onetrip.scheduling.services import booking, queue
from onetrip.scheduling.services.booking import FEE_REFUNDS, fee_refund_problems
from onetrip.scheduling.tests.helpers import book_at, first_slot, person, session_on

pytestmark = pytest.mark.django_db


def add_exam_line(appointment: Appointment, actor, key: str = "exam-line-1") -> Charge:
    """A chest CT (180.00 CNY) ordered in the consultation, on the visit's bill."""
    return charges.create_charge(
        charges.ChargeRequest(
            patient_id=appointment.patient_id,
            institution_id=appointment.session.doctor.department.institution_id,
            visit_reference=f"V{appointment.booking_number}",
            item_code="EX-CT",
            quantity=1,
            source="exam_order",
            source_key=key,
        ),
        actor=actor,
    )


def test_a_fee_paid_in_the_room_after_check_in_is_simply_paid(
    sessions,
    clerk,
    register,
    make_staff,
    tertiary,
    cashier,  # noqa: F811
    catalogue,  # noqa: F811
    clock,
):
    appointment = book_at(clerk, person(register, 1), session_on(sessions, 0), "09:50")
    queue.check_in(
        booking_number=appointment.booking_number, institution_id=tertiary.pk, actor=clerk
    )
    nurse = actor_for(make_staff("nurse", tertiary))
    called = queue.call_next(appointment.session_id, actor=nurse)
    queue.start_consultation(called.pk, actor=nurse)
    add_exam_line(appointment, cashier)

    settlement = settle(
        booking.registration_fee(appointment).bill, cashier, channel="cash", mode="window"
    )

    settlement.refresh_from_db()
    assert (settlement.status, settlement.total_fen) == (SettlementStatus.SETTLED, 23000)
    assert not Refund.objects.exists()
    assert Appointment.objects.get(pk=appointment.pk).status == "in_consultation"
    assert fee_refund_problems(by_people=False) == []


def test_a_fee_paid_after_its_booking_was_cancelled_gives_back_that_fee_only(
    sessions,
    patient_actor,
    cashier,  # noqa: F811
    catalogue,  # noqa: F811
    clock,
    django_capture_on_commit_callbacks,
):
    actor, patient = patient_actor
    appointment = booking.book_slot(
        booking.BookingRequest(patient.pk, first_slot(session_on(sessions, 2)).pk, "app"),
        actor=actor,
    )
    add_exam_line(appointment, cashier)
    bill = booking.registration_fee(appointment).bill
    settlement = settle(bill, actor, channel="wechat", mode="mobile")  # open at the provider
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel_appointment(appointment.pk, actor=actor)  # "fee payment in flight"

    with django_capture_on_commit_callbacks(execute=True):
        deliver("wechat", wechat_notice(provider_pays(settlement)))

    settlement.refresh_from_db()
    # 230.00 paid; the 50.00 fee goes back, the CT stays paid and the settlement stands.
    assert (settlement.status, settlement.total_fen) == (SettlementStatus.SETTLED, 23000)
    assert settlement.payment.refunded_fen == 5000
    refund = Refund.objects.get()
    assert (refund.amount_fen, refund.reason, refund.refunded_by) == (
        5000,
        "已取消",
        FEE_REFUNDS.label,
    )
    assert fee_refund_problems(by_people=False) == []


def test_a_fee_alone_on_its_settlement_is_refunded_in_full(
    sessions, patient_actor, clock, django_capture_on_commit_callbacks
):
    actor, patient = patient_actor
    held = booking.book_slot(
        booking.BookingRequest(
            patient.pk, first_slot(session_on(sessions, 2)).pk, "app", hold=True
        ),
        actor=actor,
    )
    settlement = settle(booking.registration_fee(held).bill, actor, channel="wechat", mode="mobile")
    deliver("wechat", wechat_notice(provider_pays(settlement)))

    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel_appointment(held.pk, actor=actor)

    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.REFUNDED
    assert fee_refund_problems(by_people=False) == []


def test_the_invariant_names_a_refund_of_lines_that_are_not_the_ended_fee(
    sessions,
    clerk,
    register,
    make_staff,
    tertiary,
    cashier,  # noqa: F811
    catalogue,  # noqa: F811
    clock,
):
    """The defect of issue 13: a served booking's settlement refunded whole, exam included."""
    appointment = book_at(clerk, person(register, 1), session_on(sessions, 0), "09:50")
    queue.check_in(
        booking_number=appointment.booking_number, institution_id=tertiary.pk, actor=clerk
    )
    add_exam_line(appointment, cashier)
    settlement = settle(
        booking.registration_fee(appointment).bill, cashier, channel="cash", mode="window"
    )
    payments.refund_in_full(settlement_id=settlement.pk, reason="就诊中", actor=FEE_REFUNDS)

    problems = fee_refund_problems()
    assert len(problems) == 2
    assert any("exam-line-1, which is not a registration fee" in p for p in problems)
    assert any(f"booking {appointment.pk} is checked_in" in p for p in problems)


def test_a_refund_made_by_hand_is_the_users_own_reason_but_not_the_simulations(
    sessions,
    clerk,
    register,
    tertiary,
    cashier,  # noqa: F811
    catalogue,  # noqa: F811
    clock,
):
    appointment = book_at(clerk, person(register, 1), session_on(sessions, 0), "09:50")
    add_exam_line(appointment, cashier)
    settlement = settle(
        booking.registration_fee(appointment).bill, cashier, channel="cash", mode="window"
    )
    payments.refund(settlement_id=settlement.pk, amount_fen=18000, reason="检查未做", actor=cashier)

    assert fee_refund_problems() == []
    [problem] = fee_refund_problems(by_people=False)
    assert "nothing in the run asked for it" in problem
