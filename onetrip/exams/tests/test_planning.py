"""Proposing and booking one-trip plans through the services (R-EXAM-1/2/3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.core.errors import InvalidInput
from onetrip.exams import planning, services
from onetrip.exams.models import DeviceDay, DeviceSlot, ExamOrder, OrderStatus
from onetrip.exams.services import ExamRefused, SlotChoice
from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db


def order(setup, actor, code):
    return services.place_exam_order(patient_id=setup.patient.pk, item_code=code, actor=actor)


def choices(proposal):
    return [SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in proposal.exams]


def test_orders_of_two_doctors_are_planned_into_one_visit_and_explained(exam_setup, doctor_actor):
    gastroscopy = order(exam_setup, doctor_actor, "GASTROSCOPY")
    ultrasound = order(exam_setup, doctor_actor, "US_ABD")
    proposal = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor)
    assert proposal.visits == 1
    first, second = proposal.exams
    assert (first.order, second.order) == (ultrasound, gastroscopy)
    assert first.ends_at <= second.starts_at
    assert timezone.localtime(second.starts_at).hour < 12  # both fasting: morning
    text = " ".join(proposal.explanation)
    assert "一次" in text or "one visit" in text
    assert "胃镜会使胃肠积气" in text  # the reason of US before gastroscopy, in plain words


def test_confirming_books_every_slot_and_tells_the_patient(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "US_ABD")
    order(exam_setup, doctor_actor, "CT_CHEST")
    proposal = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor)
    plan = services.confirm_plan(exam_setup.patient.pk, choices(proposal), actor=doctor_actor)
    booked = ExamOrder.objects.filter(plan=plan)
    assert {o.status for o in booked} == {OrderStatus.BOOKED}
    assert DeviceSlot.objects.filter(booked=1).count() == 1 + 1  # 15-min US, 10-min CT
    (message,) = delivered().filter(purpose="exam_booked", phone=exam_setup.patient.phone)
    fasting = max(o.item.fasting_hours for o in booked)
    assert (f"空腹{fasting}小时" in message.body) == bool(fasting)  # issue 15: say how to prepare
    again = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor)
    assert again.exams == []  # nothing left to plan


def test_a_retried_confirmation_returns_the_same_plan(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "ECG")
    picked = choices(planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor))
    first = services.confirm_plan(
        exam_setup.patient.pk, picked, actor=doctor_actor, idempotency_key="k1"
    )
    second = services.confirm_plan(
        exam_setup.patient.pk, picked, actor=doctor_actor, idempotency_key="k1"
    )
    assert first == second
    assert DeviceSlot.objects.filter(booked=1).count() == 1


def test_a_slot_taken_meanwhile_books_nothing(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "US_ABD")
    order(exam_setup, doctor_actor, "ECG")
    proposal = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor)
    last = proposal.exams[-1]
    DeviceSlot.objects.filter(device=last.device, starts_at=last.starts_at).update(booked=1)
    with pytest.raises(ExamRefused) as refused:
        services.confirm_plan(exam_setup.patient.pk, choices(proposal), actor=doctor_actor)
    assert refused.value.code == "slot_taken"
    assert not ExamOrder.objects.filter(status=OrderStatus.BOOKED).exists()
    assert DeviceSlot.objects.filter(booked=1).count() == 1  # only the one taken meanwhile


def test_a_booking_breaking_a_rule_is_refused(exam_setup, doctor_actor):
    """Confirmation re-checks the rules: an enhanced CT and MRI chosen on one day by hand."""
    ct = order(exam_setup, doctor_actor, "CT_CHEST_ENH")
    mri = order(exam_setup, doctor_actor, "MRI_HEAD_ENH")
    ct_slot = DeviceSlot.objects.filter(device__kind="ct", starts_at__hour=14).first()
    mri_slot = DeviceSlot.objects.filter(
        device__kind="mri", day__date=ct_slot.day.date, starts_at__hour=15
    ).first()
    picked = [
        SlotChoice(ct.pk, ct_slot.device_id, ct_slot.starts_at),
        SlotChoice(mri.pk, mri_slot.device_id, mri_slot.starts_at),
    ]
    with pytest.raises(ExamRefused) as refused:
        services.confirm_plan(exam_setup.patient.pk, picked, actor=doctor_actor)
    assert refused.value.code == "rule:ENHANCED_CT_MRI_NOT_SAME_DAY"


def test_conflicting_exams_on_the_only_allowed_day_get_a_reason_and_the_nearest_time(
    exam_setup, doctor_actor
):
    order(exam_setup, doctor_actor, "CT_CHEST_ENH")
    order(exam_setup, doctor_actor, "MRI_HEAD_ENH")
    tomorrow = exam_setup.now.date() + dt.timedelta(days=1)
    proposal = planning.propose_plan(
        exam_setup.patient.pk, actor=doctor_actor, preferred_days=[tomorrow]
    )
    assert len(proposal.exams) == 1
    (missing,) = proposal.not_planned
    assert "增强CT与增强MRI不在同一天做" in missing.reason
    assert missing.alternative is not None
    assert timezone.localtime(missing.alternative.starts_at).date() != tomorrow
    assert any(
        "could not be planned" in line or "无法安排" in line for line in proposal.explanation
    )


def test_a_day_outside_the_horizon_is_refused_by_field(exam_setup, doctor_actor):
    with pytest.raises(InvalidInput) as invalid:
        planning.propose_plan(
            exam_setup.patient.pk,
            actor=doctor_actor,
            preferred_days=[exam_setup.now.date() - dt.timedelta(days=1)],
        )
    assert invalid.value.errors[0].field == "preferred_days"


def test_bowel_preparation_keeps_a_colonoscopy_off_the_ordering_day(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "COLONOSCOPY")
    (exam,) = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor).exams
    assert timezone.localtime(exam.starts_at).date() > exam_setup.now.date()


def book(setup, actor, code):
    made = order(setup, actor, code)
    picked = choices(planning.propose_plan(setup.patient.pk, actor=actor))
    services.confirm_plan(setup.patient.pk, picked, actor=actor)
    made.refresh_from_db()
    return made


def test_rescheduling_moves_the_slots(exam_setup, doctor_actor):
    booked = book(exam_setup, doctor_actor, "US_THYROID")
    old_slot = DeviceSlot.objects.get(device=booked.device, starts_at=booked.starts_at)
    later = DeviceSlot.objects.filter(device=booked.device, booked=0).order_by("-starts_at")[0]
    services.reschedule_exam(
        booked.pk, device_id=later.device_id, starts_at=later.starts_at, actor=doctor_actor
    )
    old_slot.refresh_from_db()
    later.refresh_from_db()
    assert (old_slot.booked, later.booked) == (0, 1)
    assert DeviceDay.objects.filter(booked=1).get().date == later.day.date


def test_cancelling_gives_the_slot_back(exam_setup, doctor_actor):
    booked = book(exam_setup, doctor_actor, "ECHO")
    services.cancel_exam(booked.pk, reason="patient asked", actor=doctor_actor)
    assert not DeviceSlot.objects.filter(booked__gt=0).exists()
    assert not DeviceDay.objects.filter(booked__gt=0).exists()
    booked.refresh_from_db()
    assert booked.status == OrderStatus.CANCELLED


def test_check_in_records_the_waiting_time(exam_setup, doctor_actor, make_staff, tertiary, clock):
    from onetrip.conftest import actor_for

    nurse = actor_for(make_staff("nurse", tertiary))
    booked = book(exam_setup, doctor_actor, "ECG")
    assert timezone.localtime(booked.starts_at).date() == exam_setup.now.date()
    services.check_in_exam(booked.pk, actor=nurse)
    clock.advance(dt.timedelta(minutes=12))
    started = services.start_exam(booked.pk, actor=nurse)
    assert started.waiting_minutes == 12


def test_no_shows_are_marked_and_suspend_phone_booking(
    exam_setup, doctor_actor, phone_actor, clock
):
    for code in ("ECG", "ECHO", "DR_CHEST"):
        book(exam_setup, doctor_actor, code)
    clock.advance(dt.timedelta(days=1))
    assert services.mark_no_shows() == 3
    order(exam_setup, doctor_actor, "US_BREAST")
    picked = choices(planning.propose_plan(exam_setup.patient.pk, actor=phone_actor))
    with pytest.raises(ExamRefused) as refused:
        services.confirm_plan(exam_setup.patient.pk, picked, actor=phone_actor)
    assert refused.value.code == "suspended"
    # Staff at a desk can still book, and an exemption lifts the suspension.
    missed = ExamOrder.objects.filter(status=OrderStatus.NO_SHOW).first()
    services.exempt_no_show(missed.pk, "hospital rescheduled by phone", actor=doctor_actor)
    assert services.confirm_plan(exam_setup.patient.pk, picked, actor=phone_actor)


def test_a_township_doctor_books_a_ct_at_the_county_hospital_for_a_patient(
    exam_setup, make_staff, township, tertiary
):
    """R-APPT-8: primary care orders and books the large equipment of an upper hospital."""
    from onetrip.conftest import actor_for
    from onetrip.identity.models import PatientAffiliation

    township_doctor = actor_for(make_staff("doctor", township))
    PatientAffiliation.objects.create(
        patient=exam_setup.patient, institution=township, reason="shared", since=exam_setup.now
    )
    services.place_exam_order(
        patient_id=exam_setup.patient.pk,
        item_code="CT_HEAD",
        performing_institution_id=tertiary.pk,
        actor=township_doctor,
    )
    proposal = planning.propose_plan(exam_setup.patient.pk, actor=township_doctor)
    (exam,) = proposal.exams
    assert exam.device.institution_id == tertiary.pk
    plan = services.confirm_plan(exam_setup.patient.pk, choices(proposal), actor=township_doctor)
    assert plan.orders.get().status == OrderStatus.BOOKED
