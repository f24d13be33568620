"""The rule kinds of issue 16 (D115) as `rules.violations` reads them, the one reading the
planner, plan confirmation and rescheduling share; and the stored fields read as tags."""

from __future__ import annotations

import pytest

from onetrip.exams.catalogue import default_rules, default_specs
from onetrip.exams.models import ExamItem, RuleKind
from onetrip.exams.rules import DAY, ExamSpec, Placement, Rule, violations

SPECS = default_specs()


def at(code: str, hour: int, minute: int = 0, day: int = 0) -> Placement:
    return Placement(code, SPECS[code], day * DAY + hour * 60 + minute)


def broken(*exams: Placement, kind: str | None = None) -> set[str]:
    rules = [r for r in default_rules() if kind is None or r.kind == kind]
    return {v.rule.code for v in violations(list(exams), rules)}


def test_min_gap_a_full_bladder_needs_time_after_the_abdominal_ultrasound():
    abdomen = at("US_ABD", 8)  # 08:00–08:15
    assert broken(abdomen, at("US_PELVIS", 8, 15), kind=RuleKind.MIN_GAP)
    assert not broken(abdomen, at("US_PELVIS", 9, 0), kind=RuleKind.MIN_GAP)
    assert not broken(abdomen, at("US_PELVIS", 8, 15, day=1), kind=RuleKind.MIN_GAP)


def test_max_gap_the_bladder_is_not_held_for_hours():
    abdomen = at("US_ABD", 8)
    assert broken(abdomen, at("US_PELVIS", 11, 0), kind=RuleKind.MAX_GAP)
    assert not broken(abdomen, at("US_PELVIS", 10, 15), kind=RuleKind.MAX_GAP)


def test_recovery_nothing_soon_after_a_sedated_exam():
    sedated = at("GASTROSCOPY_SED", 8)  # 08:00–08:30
    assert broken(sedated, at("ECG", 8, 40)) == {"SEDATION_LAST_WITH_RECOVERY"}
    assert not broken(at("ECG", 7, 40), sedated)  # before it is fine
    assert not broken(sedated, at("ECG", 10, 30))  # after the recovery time


def test_start_before_fasting_bloods_before_ten():
    assert broken(at("BLOOD_FASTING", 10, 0)) == {"FASTING_BLOOD_BEFORE_10"}
    assert not broken(at("BLOOD_FASTING", 9, 55))


def test_combined_chest_and_abdomen_ct_back_to_back_is_one_scan():
    chest = at("CT_CHEST_ENH", 8)  # 08:00–08:20
    assert not broken(chest, at("CT_ABD_ENH", 8, 20))
    assert broken(chest, at("CT_ABD_ENH", 9, 0)) == {"IODINE_7_DAYS_APART"}


def test_a_rule_row_reads_its_minutes():
    rule = Rule("X", RuleKind.START_BEFORE, "fasting", "", 0, "", minutes=9 * 60)
    assert violations([at("US_ABD", 9)], [rule])
    assert not violations([at("US_ABD", 8, 45)], [rule])


@pytest.mark.django_db
def test_the_stored_sedation_and_full_bladder_fields_are_read(exam_setup):
    sedated = ExamSpec.of(ExamItem.objects.get(code="GASTROSCOPY_SED"))
    pelvis = ExamSpec.of(ExamItem.objects.get(code="US_PELVIS"))
    assert "sedation" in sedated.tags
    assert "full_bladder" in pelvis.tags
    ExamItem.objects.filter(code="US_PELVIS").update(full_bladder=False)
    assert "full_bladder" not in ExamSpec.of(ExamItem.objects.get(code="US_PELVIS")).tags


def test_a_sedated_exam_goes_only_where_an_anaesthetist_is_rostered():
    from onetrip.exams.planner import Calendar, Need, plan_visits

    calendar = Calendar()
    calendar.add_device(1, 1, "endoscopy", 15, has_anaesthetist=False)
    calendar.add_device(2, 1, "endoscopy", 15)
    calendar.add_free_slot(1, 8 * 60)
    calendar.add_free_slot(1, 8 * 60 + 15)
    for start in range(10 * 60, 11 * 60, 15):
        calendar.add_free_slot(2, start)
    plan = plan_visits([Need(0, SPECS["GASTROSCOPY_SED"], 1)], calendar, default_rules(), days=[0])
    (exam,) = plan.exams
    assert (exam.device_id, exam.start) == (2, 10 * 60)
    plain = plan_visits([Need(0, SPECS["GASTROSCOPY"], 1)], calendar, default_rules(), days=[0])
    assert plain.exams[0].device_id == 1  # without sedation the earlier room is fine


@pytest.mark.django_db
def test_booking_a_sedated_exam_at_a_room_without_anaesthetist_is_refused_by_field(
    exam_setup, doctor_actor
):
    from onetrip.core.errors import InvalidInput
    from onetrip.exams import planning, services
    from onetrip.exams.models import Device

    order = services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="GASTROSCOPY_SED", actor=doctor_actor
    )
    (proposed,) = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor).exams
    Device.objects.filter(pk=proposed.device.pk).update(has_anaesthetist=False)
    choice = services.SlotChoice(order.pk, proposed.device.pk, proposed.starts_at)
    with pytest.raises(InvalidInput) as refused:
        services.confirm_plan(exam_setup.patient.pk, [choice], actor=doctor_actor)
    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (
        "exams[0].device_id",
        "no_anaesthetist",
    )
    again = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor)
    assert again.exams == []  # the only endoscopy room has no anaesthetist now
    assert [n.order for n in again.not_planned] == [order]


# Issue 16, second pass (D126): result before, same visit, a return N days after.


def test_result_before_the_creatinine_an_hour_before_contrast():
    blood = at("BLOOD_RENAL", 8)  # 08:00–08:05
    assert broken(blood, at("CT_CHEST_ENH", 9), kind=RuleKind.RESULT_BEFORE)
    assert not broken(blood, at("CT_CHEST_ENH", 9, 5), kind=RuleKind.RESULT_BEFORE)
    assert not broken(blood, at("MRI_HEAD_ENH", 9, 15), kind=RuleKind.RESULT_BEFORE)


def test_same_visit_binds_the_plan_not_last_months_ecg():
    rules = [r for r in default_rules() if r.kind == RuleKind.SAME_VISIT]
    ecg, treadmill = at("ECG", 8), at("TREADMILL", 8, 10, day=1)
    assert {v.rule.code for v in violations([ecg, treadmill], rules)} == {
        "ECG_SAME_VISIT_AS_TREADMILL"
    }
    assert not violations([treadmill], rules, history=[at("ECG", 8, day=-20)])


def test_days_after_the_return_the_next_day_after_the_same_time():
    fitted = at("HOLTER", 9)
    assert broken(fitted, at("HOLTER_RETURN", 8, 50, day=1)) == {"HOLTER_RETURN_NEXT_DAY"}
    assert broken(fitted, at("HOLTER_RETURN", 9, 0, day=2)) == {"HOLTER_RETURN_NEXT_DAY"}
    assert not broken(fitted, at("HOLTER_RETURN", 9, 0, day=1))


def test_a_missing_partner_is_flagged_not_refused():
    from onetrip.exams.rules import flags

    rules = default_rules()
    ct = at("CT_CHEST_ENH", 9)
    assert [f.rule.code for f in flags([ct], rules)] == ["RENAL_FUNCTION_BEFORE_IODINE"]
    known = [at("BLOOD_RENAL", 9, day=-29)]
    assert flags([ct], rules, history=known) == []  # a result of the last 30 days will do
    assert [f.rule.code for f in flags([at("HOLTER", 9)], rules)] == ["HOLTER_RETURN_NEXT_DAY"]
    assert not violations([ct], rules)


def test_travel_time_between_two_institutions_on_one_day():
    from onetrip.exams.rules import Travel, too_close

    travel = Travel(((1, 2, 20),))
    township = Placement("us", SPECS["US_BREAST"], 8 * 60, institution=2)  # 08:00–08:15
    assert too_close(township, Placement("ct", SPECS["CT_HEAD"], 8 * 60 + 30, 1), travel)
    assert not too_close(township, Placement("ct", SPECS["CT_HEAD"], 8 * 60 + 35, 1), travel)
    assert too_close(township, Placement("ct", SPECS["CT_HEAD"], 9 * 60, 3), travel)  # 1 h
