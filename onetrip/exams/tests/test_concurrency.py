"""Exam booking under load (R-EXAM-1/2): patients confirming plans at the same moment never
overbook a device, a patient's order is never booked twice, and a refusal is a clear refusal,
never a database error. Needs a real server with row locks: PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import race
from onetrip.demo.loader import resident_id_number
from onetrip.exams import services
from onetrip.exams.models import SLOTTED_STATUSES, DeviceDay, DeviceSlot, ExamOrder, ExamPlan
from onetrip.exams.services import SlotChoice
from onetrip.identity.services import DocumentInput

pytestmark = pytest.mark.django_db(transaction=True)


def ecg_order(setup, doctor, patient):
    return services.place_exam_order(patient_id=patient.pk, item_code="ECG", actor=doctor)


def first_free_ecg_slot(setup) -> DeviceSlot:
    return DeviceSlot.objects.filter(
        device__kind="ecg", starts_at__gt=setup.now + dt.timedelta(hours=1)
    ).order_by("starts_at")[0]


def assert_counters_match_bookings() -> None:
    for day in DeviceDay.objects.all():
        exams = ExamOrder.objects.filter(
            device=day.device, starts_at__date=day.date, status__in=SLOTTED_STATUSES
        ).count()
        assert day.booked == exams, day
    for slot in DeviceSlot.objects.filter(booked__gt=0):
        assert slot.booked <= slot.capacity
        covering = ExamOrder.objects.filter(
            device=slot.device,
            starts_at__lte=slot.starts_at,
            ends_at__gt=slot.starts_at,
            status__in=SLOTTED_STATUSES,
        ).count()
        assert slot.booked == covering, slot


def test_patients_racing_for_one_device_slot_get_it_once(
    postgres_only, exam_setup, doctor_actor, register
):
    patients = [exam_setup.patient] + [
        register(
            name=f"患者{index}",
            birth_date=dt.date(1980, 1, index),
            phone=f"1390000000{index}",
            documents=[
                DocumentInput(
                    "resident_id",
                    resident_id_number("330106", dt.date(1980, 1, index), "male", index),
                )
            ],
        )
        for index in range(1, 6)
    ]
    slot = first_free_ecg_slot(exam_setup)
    orders = [ecg_order(exam_setup, doctor_actor, patient) for patient in patients]

    def confirm(order):
        choice = SlotChoice(order.pk, slot.device_id, slot.starts_at)
        return lambda: services.confirm_plan(order.patient_id, [choice], actor=doctor_actor).pk

    outcomes = race([confirm(order) for order in orders])
    plans = [o for o in outcomes if isinstance(o, int)]
    assert len(plans) == 1, outcomes
    assert sorted(o for o in outcomes if not isinstance(o, int)) == ["slot_taken"] * 5
    assert DeviceSlot.objects.get(pk=slot.pk).booked == 1
    assert_counters_match_bookings()


def test_one_plan_confirmed_twice_at_once_books_the_order_once(
    postgres_only, exam_setup, doctor_actor
):
    order = ecg_order(exam_setup, doctor_actor, exam_setup.patient)
    slots = DeviceSlot.objects.filter(
        device__kind="ecg", starts_at__gt=exam_setup.now + dt.timedelta(hours=1)
    ).order_by("starts_at")[:4]

    def confirm(slot, key=""):
        choice = SlotChoice(order.pk, slot.device_id, slot.starts_at)
        return lambda: (
            services.confirm_plan(
                order.patient_id, [choice], actor=doctor_actor, idempotency_key=key
            ).pk
        )

    different = race([confirm(slots[0]), confirm(slots[1])])
    assert sorted(different, key=str)[1:] == ["state"], different
    assert_counters_match_bookings()


def test_a_retried_confirmation_racing_itself_returns_one_plan(
    postgres_only, exam_setup, doctor_actor
):
    order = ecg_order(exam_setup, doctor_actor, exam_setup.patient)
    slot = first_free_ecg_slot(exam_setup)
    choice = SlotChoice(order.pk, slot.device_id, slot.starts_at)

    def retry():
        return services.confirm_plan(
            order.patient_id, [choice], actor=doctor_actor, idempotency_key="same"
        ).pk

    outcomes = race([retry, retry, retry])
    assert len(set(outcomes)) == 1, outcomes
    assert isinstance(outcomes[0], int), outcomes
    assert ExamPlan.objects.count() == 1
    assert_counters_match_bookings()


def test_cancelling_while_the_plan_is_confirmed_leaves_consistent_counters(
    postgres_only, exam_setup, doctor_actor
):
    order = ecg_order(exam_setup, doctor_actor, exam_setup.patient)
    other = services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="ECHO", actor=doctor_actor
    )
    slot = first_free_ecg_slot(exam_setup)
    echo = DeviceSlot.objects.filter(device__kind="echo", starts_at__gt=slot.ends_at).first()
    choices = [
        SlotChoice(order.pk, slot.device_id, slot.starts_at),
        SlotChoice(other.pk, echo.device_id, echo.starts_at),
    ]

    def confirm():
        return services.confirm_plan(order.patient_id, choices, actor=doctor_actor).pk

    def cancel():
        return services.cancel_exam(other.pk, reason="changed mind", actor=doctor_actor).status

    outcomes = race([confirm, cancel, cancel])
    assert "cancelled" in outcomes, outcomes
    # The second cancel finds it cancelled (state); a confirmation after the cancel finds the
    # order gone from the open ones (invalid). Never a database error.
    assert all(isinstance(o, int) or o in {"cancelled", "state", "invalid"} for o in outcomes)
    assert_counters_match_bookings()
