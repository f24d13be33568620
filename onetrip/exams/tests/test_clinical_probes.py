"""The clinical review's probe cases of issue 16 that the first pass left open, each through
`propose_plan` / `confirm_plan` and judged by what the patient sees: the times, the order,
the sentences of the plan and the confirmation message (D125–D127). Every plan made here also
passes the independent checker (conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.exams import planning, services
from onetrip.exams.models import TravelTime
from onetrip.exams.services import SlotChoice
from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db


def order(setup, actor, code, **extra):
    return services.place_exam_order(
        patient_id=setup.patient.pk, item_code=code, actor=actor, **extra
    )


def proposed(setup, actor, **options) -> tuple[dict, planning.Proposal]:
    proposal = planning.propose_plan(setup.patient.pk, actor=actor, **options)
    return {e.order.item.code: e for e in proposal.exams}, proposal


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def test_contrast_ct_waits_an_hour_for_the_creatinine_result(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "CT_CHEST_ENH")
    order(exam_setup, doctor_actor, "BLOOD_RENAL")
    exams, proposal = proposed(exam_setup, doctor_actor)
    blood, ct = exams["BLOOD_RENAL"], exams["CT_CHEST_ENH"]
    assert ct.starts_at >= blood.ends_at + dt.timedelta(minutes=60)
    assert local(ct.starts_at).date() == local(blood.starts_at).date()  # still one visit
    assert any("肾功能" in line and "胸部增强CT" in line for line in proposal.explanation)


def test_contrast_without_a_renal_function_result_is_pointed_out(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "MRI_HEAD_ENH")
    exams, proposal = proposed(exam_setup, doctor_actor)
    assert "MRI_HEAD_ENH" in exams  # planned, not refused
    assert any("肾功能" in line and "开单医生" in line for line in proposal.explanation)


def test_the_holter_return_is_planned_the_next_day_after_the_same_time(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "HOLTER")
    order(exam_setup, doctor_actor, "HOLTER_RETURN")
    exams, proposal = proposed(exam_setup, doctor_actor)
    fitted, returned = exams["HOLTER"], exams["HOLTER_RETURN"]
    assert local(returned.starts_at).date() == local(fitted.starts_at).date() + dt.timedelta(1)
    assert returned.starts_at >= fitted.starts_at + dt.timedelta(hours=24)
    plan = services.confirm_plan(
        exam_setup.patient.pk,
        [SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in proposal.exams],
        actor=doctor_actor,
    )
    assert plan.orders.count() == 2
    (message,) = delivered(purpose="exam_booked", phone=exam_setup.patient.phone)
    assert "次日" in message.body  # come back the next day to return the recorder


def test_a_recorder_fitted_without_its_return_is_pointed_out(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "ABPM")
    _exams, proposal = proposed(exam_setup, doctor_actor)
    assert any("动态血压" in line and "开单医生" in line for line in proposal.explanation)


def test_thyroid_ultrasound_before_the_radionuclide_scan(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "THYROID_SCAN")
    order(exam_setup, doctor_actor, "US_THYROID")
    exams, _proposal = proposed(exam_setup, doctor_actor)
    assert exams["US_THYROID"].ends_at <= exams["THYROID_SCAN"].starts_at


def test_iodine_contrast_never_in_the_four_weeks_before_a_thyroid_uptake(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "CT_ABD_ENH")
    order(exam_setup, doctor_actor, "I131_UPTAKE")
    order(exam_setup, doctor_actor, "I131_UPTAKE_24H")
    exams, _proposal = proposed(exam_setup, doctor_actor)
    ct, dose, reading = exams["CT_ABD_ENH"], exams["I131_UPTAKE"], exams["I131_UPTAKE_24H"]
    assert dose.ends_at <= ct.starts_at
    assert reading.ends_at <= ct.starts_at
    assert local(reading.starts_at).date() == local(dose.starts_at).date() + dt.timedelta(1)


def test_resting_ecg_first_in_the_same_visit_as_the_treadmill(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "TREADMILL")
    order(exam_setup, doctor_actor, "ECG")
    exams, proposal = proposed(exam_setup, doctor_actor)
    ecg, treadmill = exams["ECG"], exams["TREADMILL"]
    assert ecg.ends_at <= treadmill.starts_at
    assert local(ecg.starts_at).date() == local(treadmill.starts_at).date()
    assert proposal.visits == 1


def test_no_treadmill_before_a_pet_ct_and_the_pet_ct_preparation_is_sent(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "PET_CT")
    order(exam_setup, doctor_actor, "TREADMILL")
    order(exam_setup, doctor_actor, "ECG")
    exams, proposal = proposed(exam_setup, doctor_actor)
    pet, treadmill = exams["PET_CT"], exams["TREADMILL"]
    days_before = local(pet.starts_at).date() - local(treadmill.starts_at).date()
    assert treadmill.starts_at > pet.starts_at or days_before >= dt.timedelta(1)
    assert local(pet.starts_at).hour < 10  # fasting 6 hours: early in the morning
    services.confirm_plan(
        exam_setup.patient.pk,
        [SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in proposal.exams],
        actor=doctor_actor,
    )
    (message,) = delivered(phone=exam_setup.patient.phone)
    assert "剧烈运动" in message.body
    assert "休息" in message.body


def test_urine_sample_after_the_full_bladder_and_stool_before_colonoscopy(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "URINE_ROUTINE")
    order(exam_setup, doctor_actor, "US_PELVIS")
    order(exam_setup, doctor_actor, "STOOL_ROUTINE")
    order(exam_setup, doctor_actor, "COLONOSCOPY")
    exams, _proposal = proposed(exam_setup, doctor_actor)
    assert exams["US_PELVIS"].ends_at <= exams["URINE_ROUTINE"].starts_at
    stool, colonoscopy = exams["STOOL_ROUTINE"], exams["COLONOSCOPY"]
    assert stool.starts_at < colonoscopy.starts_at or (
        local(stool.starts_at).date() - local(colonoscopy.starts_at).date() >= dt.timedelta(3)
    )


def test_two_institutions_on_one_day_keep_the_travel_time_and_say_so(
    exam_setup, make_staff, township, tertiary
):
    from onetrip.conftest import actor_for
    from onetrip.exams import catalogue
    from onetrip.identity.models import PatientAffiliation

    catalogue.equip_institution(township.pk, {"ultrasound": 1}, exam_setup.now.date(), 14)
    low, high = sorted((township.pk, tertiary.pk))
    TravelTime.objects.create(institution_id=low, other_institution_id=high, minutes=20)
    township_doctor = actor_for(make_staff("doctor", township))
    PatientAffiliation.objects.create(
        patient=exam_setup.patient, institution=township, reason="shared", since=exam_setup.now
    )
    order(exam_setup, township_doctor, "US_BREAST")
    order(exam_setup, township_doctor, "CT_HEAD", performing_institution_id=tertiary.pk)
    exams, proposal = proposed(exam_setup, township_doctor)
    ultrasound, ct = exams["US_BREAST"], exams["CT_HEAD"]
    first, second = sorted((ultrasound, ct), key=lambda e: e.starts_at)
    assert local(first.starts_at).date() == local(second.starts_at).date()  # the earliest day
    assert second.starts_at >= first.ends_at + dt.timedelta(minutes=20)
    assert any("20" in line and township.name in line for line in proposal.explanation)


def test_the_preferred_afternoon_is_kept_when_it_costs_nothing(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "ECG")
    order(exam_setup, doctor_actor, "DR_CHEST")
    exams, _proposal = proposed(exam_setup, doctor_actor, preferred_time="afternoon")
    assert all(local(e.starts_at).hour >= 12 for e in exams.values())
    morning, _proposal = proposed(exam_setup, doctor_actor, preferred_time="morning")
    assert all(local(e.starts_at).hour < 12 for e in morning.values())


def test_an_unknown_preferred_time_is_refused_by_field(exam_setup, doctor_actor):
    from onetrip.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor, preferred_time="night")
    assert refused.value.errors[0].field == "preferred_time"


def test_a_fasting_exam_the_rules_hold_past_ten_is_explained(exam_setup, doctor_actor):
    """A sedated gastroscopy, a barium meal and fasting bloods: the endoscopy room opens at
    08:00, the barium meal must follow the gastroscopy and its two hours of recovery, so it
    is after 10:00; the plan says why and tells the patient to keep fasting."""
    for code in ("GASTROSCOPY_SED", "BARIUM_MEAL", "BLOOD_FASTING"):
        order(exam_setup, doctor_actor, code)
    exams, proposal = proposed(exam_setup, doctor_actor)
    assert proposal.visits == 1
    barium = local(exams["BARIUM_MEAL"].starts_at)
    assert barium.hour >= 10
    assert local(exams["BLOOD_FASTING"].starts_at).hour < 10
    assert local(exams["GASTROSCOPY_SED"].starts_at).hour < 10
    [line] = [x for x in proposal.explanation if x.startswith("上消化道钡餐造影") and "10:00" in x]
    assert f"{barium:%H:%M}" in line
    assert "10:00" in line
    assert "无痛胃镜" in line
    assert "禁食" in line
    assert "复苏" in line  # the recovery rule's reason
