"""Each default rule (R-EXAM-1, domain-rules §2.3) changes the plan: the same patient on the
same calendar gets a plan that keeps the rule, and one that breaks it once the rule is removed.
Calendars are built so that, without the rule, breaking it is the shorter visit."""

from __future__ import annotations

import pytest

from onetrip.exams import planner
from onetrip.exams.catalogue import DEVICE_DEFAULTS, default_rules, default_specs
from onetrip.exams.planner import Calendar, Need, Plan, plan_visits
from onetrip.exams.rules import DAY, NOON, Placement

SPECS = default_specs()
HOSPITAL = 1
ALL_DAY = ((8, 0), (17, 0))


def minutes(day: int, hour: int, minute: int = 0) -> int:
    return day * DAY + hour * 60 + minute


def calendar(free: dict[str, list[tuple[int, tuple[int, int], tuple[int, int]]]]) -> Calendar:
    """One device per kind, free on (day, (from h, m), (to h, m)) periods."""
    cal = Calendar()
    for number, (kind, periods) in enumerate(free.items(), start=1):
        step = DEVICE_DEFAULTS[kind].slot_minutes
        cal.add_device(number, HOSPITAL, kind, step)
        for day, start, end in periods:
            for at in range(minutes(day, *start), minutes(day, *end), step):
                cal.add_free_slot(number, at)
    return cal


def every_day(*periods):
    return [(day, start, end) for day in range(14) for start, end in periods]


# A rule whose scenario another rule also decides: both are left out to see the difference (the
# sedated combined endoscopy comes last for its recovery too).
ALSO_DECIDED_BY = {"US_BEFORE_COMBINED_ENDOSCOPY": "SEDATION_LAST_WITH_RECOVERY"}


def plan(codes, cal, *, without=None, history=()) -> Plan:
    left_out = {without, ALSO_DECIDED_BY.get(without)}
    rules = [rule for rule in default_rules() if rule.code not in left_out]
    needs = [Need(index, SPECS[code], HOSPITAL) for index, code in enumerate(codes)]
    return plan_visits(needs, cal, rules, days=range(14), history=history)


def exam(plan: Plan, code: str):
    return next(e for e in plan.exams if e.need.spec.code == code)


def us_then(second_code: str, second_kind: str, early: tuple[int, int]):
    """The second exam's device is free first thing and again from 10:00, ultrasound only
    between (`early` to 09:30): unconstrained, the second exam goes first."""
    cal = calendar(
        {
            "ultrasound": [(0, early, (9, 30))],
            second_kind: [(0, (8, 0), early), (0, (10, 0), (12, 0))],
        }
    )
    return (
        ["US_ABD", second_code],
        cal,
        lambda p: exam(p, "US_ABD").end <= exam(p, second_code).start,
    )


def ct_then_barium(barium_code: str):
    """Fluoroscopy is free first thing and from 10:00, CT only from 08:30 to 09:30 (every
    day): unconstrained, the CT straight after the barium is the shortest visit."""
    cal = calendar(
        {
            "fluoroscopy": [(0, (8, 0), (8, 30)), (0, (10, 0), (12, 0))],
            "ct": every_day(((8, 30), (9, 30))),
        }
    )

    def keeps(p):
        barium, ct = exam(p, barium_code), exam(p, "CT_ABD")
        return ct.start < barium.start or ct.start // DAY - barium.start // DAY >= 7

    return [barium_code, "CT_ABD"], cal, keeps


def first_then(first_code, first_kind, second_code, second_kind, days: int):
    """A NOT_WITHIN_DAYS_AFTER scenario: `first_kind` free first thing and from 10:00 on day
    0, `second_kind` only 08:30–09:30 every day: unconstrained, the second exam straight after
    the first is the shortest visit."""
    cal = calendar(
        {
            first_kind: [(0, (8, 0), (8, 30)), (0, (10, 0), (12, 0))],
            second_kind: every_day(((8, 30), (9, 30))),
        }
    )

    def keeps(p):
        first, second = exam(p, first_code), exam(p, second_code)
        return second.start < first.start or second.start // DAY - first.start // DAY >= days

    return [first_code, second_code], cal, keeps


def bladder_after_abdomen(p) -> bool:
    abdomen, pelvis = exam(p, "US_ABD"), exam(p, "US_PELVIS")
    return abdomen.start // DAY != pelvis.start // DAY or pelvis.start >= abdomen.end + 45


def bladder_within_two_hours(p) -> bool:
    abdomen, pelvis = exam(p, "US_ABD"), exam(p, "US_PELVIS")
    return abdomen.start // DAY != pelvis.start // DAY or pelvis.start <= abdomen.end + 120


def recovered(p) -> bool:
    sedated, ecg = exam(p, "GASTROSCOPY_SED"), exam(p, "ECG")
    return (
        sedated.start // DAY != ecg.start // DAY
        or ecg.end <= sedated.start
        or ecg.start >= sedated.end + 120
    )


def one_scan(p) -> bool:
    chest, abdomen = exam(p, "CT_CHEST_ENH"), exam(p, "CT_ABD_ENH")
    return chest.end == abdomen.start or abdomen.end == chest.start


def apart(days: int):
    return lambda p: abs(p.exams[0].start // DAY - p.exams[1].start // DAY) >= days


def before(first_code, first_kind, second_code, second_kind, early: tuple[int, int]):
    """`first_kind` free only from `early` to 09:30, `second_kind` first thing and from 10:00:
    unconstrained, the second exam goes first."""
    cal = calendar(
        {
            first_kind: [(0, early, (9, 30))],
            second_kind: [(0, (8, 0), early), (0, (10, 0), (12, 0))],
        }
    )
    return (
        [first_code, second_code],
        cal,
        lambda p: exam(p, first_code).end <= exam(p, second_code).start,
    )


def result_first(result_code: str, second_code: str, second_kind: str):
    """The second exam's device is free all day, the blood draw only 08:20–09:00: without the
    rule the (fasting or longer) exam first thing and the blood after it is the shortest."""
    cal = calendar({second_kind: every_day(ALL_DAY), "blood_draw": every_day(((8, 20), (9, 0)))})

    def keeps(p):
        return exam(p, result_code).end + 60 <= exam(p, second_code).start

    return [second_code, result_code], cal, keeps


def returned_next_day(first_code: str, return_code: str, kind: str):
    def keeps(p):
        first, back = exam(p, first_code), exam(p, return_code)
        return back.start // DAY == first.start // DAY + 1 and back.start >= first.start + DAY

    return [first_code, return_code], calendar({kind: every_day(ALL_DAY)}), keeps


def two_ecg_rooms(room_a: list, room_b: list, ultrasound: list = ()) -> Calendar:
    """Two ECG rooms (treadmill and ECG share the kind) and an ultrasound room, free on
    (day, from, to) periods."""
    cal = Calendar()
    for number, (kind, step, periods) in enumerate(
        (("ecg", 10, room_a), ("ecg", 10, room_b), ("ultrasound", 15, ultrasound)), start=1
    ):
        cal.add_device(number, HOSPITAL, kind, step)
        for day, start, end in periods:
            for at in range(minutes(day, *start), minutes(day, *end), step):
                cal.add_free_slot(number, at)
    return cal


def ecg_then_treadmill(p) -> bool:
    return exam(p, "ECG").end <= exam(p, "TREADMILL").start


def ecg_with_treadmill(p) -> bool:
    return exam(p, "ECG").start // DAY == exam(p, "TREADMILL").start // DAY


def not_after(first_code: str, second_code: str, days: int):
    def keeps(p):
        first, second = exam(p, first_code), exam(p, second_code)
        return second.start < first.start or second.start // DAY - first.start // DAY >= days

    return keeps


SCENARIOS = {
    "FASTING_MORNING": (
        ["US_ABD"],
        calendar({"ultrasound": [(0, (14, 0), (17, 0)), (1, (8, 0), (12, 0))]}),
        lambda p: exam(p, "US_ABD").start % DAY < NOON,
    ),
    "US_BEFORE_GASTROSCOPY": us_then("GASTROSCOPY", "endoscopy", (8, 30)),
    "US_BEFORE_COMBINED_ENDOSCOPY": us_then("GASTRO_COLONO_SED", "endoscopy", (9, 0)),
    "US_BEFORE_BARIUM": us_then("BARIUM_MEAL", "fluoroscopy", (8, 30)),
    "US_BEFORE_CHOLANGIOGRAPHY": us_then("CHOLANGIOGRAPHY", "fluoroscopy", (8, 30)),
    "BARIUM_MEAL_THEN_CT_7D": ct_then_barium("BARIUM_MEAL"),
    "BARIUM_ENEMA_THEN_CT_3D": ct_then_barium("BARIUM_ENEMA"),
    "IODINE_7_DAYS_APART": (
        ["CT_CHEST_ENH", "CHOLANGIOGRAPHY"],
        calendar({"ct": every_day(ALL_DAY), "fluoroscopy": every_day(ALL_DAY)}),
        apart(7),
    ),
    "ENHANCED_CT_MRI_NOT_SAME_DAY": (
        ["CT_CHEST_ENH", "MRI_HEAD_ENH"],
        calendar({"ct": every_day(ALL_DAY), "mri": every_day(ALL_DAY)}),
        apart(1),
    ),
    "GASTRO_COLONO_ONLY_COMBINED": (
        ["GASTROSCOPY", "COLONOSCOPY"],
        calendar({"endoscopy": every_day(ALL_DAY)}),
        apart(1),
    ),
    # Issue 16 (D115): a scenario per new rule, so one per rule kind.
    "US_BEFORE_COLONOSCOPY": us_then("COLONOSCOPY", "endoscopy", (8, 30)),  # before
    "GASTROSCOPY_BEFORE_BARIUM_MEAL": first_then(  # not within days after
        "BARIUM_MEAL", "fluoroscopy", "GASTROSCOPY", "endoscopy", 3
    ),
    "US_BEFORE_ABDOMINAL_CT": first_then("CT_ABD", "ct", "US_ABD", "ultrasound", 1),
    "FULL_BLADDER_45_MIN_AFTER_ABDOMINAL_US": (  # minimum gap
        ["US_ABD", "US_PELVIS"],
        calendar({"ultrasound": every_day(ALL_DAY)}),
        bladder_after_abdomen,
    ),
    "FULL_BLADDER_WITHIN_2H_OF_ABDOMINAL_US": (  # maximum gap
        ["US_ABD", "US_PELVIS"],
        calendar(
            {"ultrasound": [(0, (8, 0), (8, 15)), (0, (11, 0), (11, 15)), (1, (8, 0), (8, 15))]}
        ),
        bladder_within_two_hours,
    ),
    "SEDATION_LAST_WITH_RECOVERY": (  # recovery window
        ["GASTROSCOPY_SED", "ECG"],
        calendar({"endoscopy": every_day(((8, 0), (8, 30))), "ecg": every_day(ALL_DAY)}),
        recovered,
    ),
    "FASTING_BLOOD_BEFORE_10": (  # time-of-day window
        ["BLOOD_FASTING"],
        calendar({"blood_draw": [(0, (10, 0), (12, 0)), (1, (8, 0), (12, 0))]}),
        lambda p: exam(p, "BLOOD_FASTING").start % DAY < 10 * 60,
    ),
    "CHEST_ABDOMEN_ENHANCED_CT_ONE_SCAN": (  # combined items
        ["CT_CHEST_ENH", "CT_ABD_ENH"],
        calendar({"ct": every_day(ALL_DAY)}),
        one_scan,
    ),
    # Issue 16, second pass (D126): result before, same visit, a return N days after, and the
    # clinical items the review found missing.
    "RENAL_FUNCTION_BEFORE_IODINE": result_first("BLOOD_RENAL", "CT_CHEST_ENH", "ct"),
    "RENAL_FUNCTION_BEFORE_GADOLINIUM": result_first("BLOOD_RENAL", "MRI_HEAD_ENH", "mri"),
    "THYROID_US_BEFORE_RADIONUCLIDE": before(
        "US_THYROID", "ultrasound", "THYROID_SCAN", "nuclear", (8, 30)
    ),
    "IODINE_CONTRAST_NOT_BEFORE_THYROID_SCAN": first_then(
        "CT_CHEST_ENH", "ct", "THYROID_SCAN", "nuclear", 28
    ),
    "I131_UPTAKE_24H_NEXT_DAY": returned_next_day("I131_UPTAKE", "I131_UPTAKE_24H", "nuclear"),
    "HOLTER_RETURN_NEXT_DAY": returned_next_day("HOLTER", "HOLTER_RETURN", "ecg"),
    "ABPM_RETURN_NEXT_DAY": returned_next_day("ABPM", "ABPM_RETURN", "ecg"),
    "ECG_RESULT_BEFORE_TREADMILL": (
        ["TREADMILL", "ECG"],
        two_ecg_rooms([(0, (8, 0), (8, 30))], [(0, (8, 30), (8, 40)), (1, (8, 0), (8, 40))]),
        ecg_then_treadmill,
    ),
    "ECG_SAME_VISIT_AS_TREADMILL": (  # two visits anyway: the ultrasound is on day 0 only
        ["US_ABD", "ECG", "TREADMILL"],
        two_ecg_rooms([(0, (8, 0), (8, 10))], [(1, (8, 0), (8, 40))], [(0, (8, 10), (8, 25))]),
        ecg_with_treadmill,
    ),
    "NO_EXERCISE_TEST_BEFORE_PET_CT": (
        ["TREADMILL", "PET_CT"],
        calendar(
            {
                "ecg": [(0, (8, 0), (8, 30)), (0, (10, 30), (12, 0))],
                "pet_ct": every_day(((8, 30), (10, 0))),
            }
        ),
        not_after("TREADMILL", "PET_CT", 1),
    ),
    "FULL_BLADDER_BEFORE_URINE_SAMPLE": before(
        "US_PELVIS", "ultrasound", "URINE_ROUTINE", "blood_draw", (8, 15)
    ),
    "COLONOSCOPY_THEN_STOOL_3D": (
        ["COLONOSCOPY", "STOOL_ROUTINE"],
        calendar(
            {
                "endoscopy": [(1, (8, 0), (8, 30)), (1, (10, 0), (12, 0))],
                "blood_draw": every_day(((8, 30), (9, 30))),
            }
        ),
        not_after("COLONOSCOPY", "STOOL_ROUTINE", 3),
    ),
    "BARIUM_THEN_STOOL_3D": first_then(
        "BARIUM_MEAL", "fluoroscopy", "STOOL_ROUTINE", "blood_draw", 3
    ),
}


@pytest.mark.parametrize("rule_code", sorted(SCENARIOS))
def test_each_default_rule_shapes_the_plan(rule_code):
    codes, cal, keeps_rule = SCENARIOS[rule_code]
    with_rule = plan(codes, cal)
    without_rule = plan(codes, cal, without=rule_code)
    assert len(with_rule.exams) == len(without_rule.exams) == len(codes)
    assert keeps_rule(with_rule)
    assert not keeps_rule(without_rule)


def test_every_default_rule_has_a_scenario():
    blocking = {rule.code for rule in default_rules() if not rule.is_flag}
    assert blocking == set(SCENARIOS)


def test_a_repeat_of_the_same_enhanced_exam_within_30_days_is_flagged():
    cal = calendar({"ct": every_day(ALL_DAY)})
    ten_days_ago = [
        Placement("earlier", SPECS["CT_ABD_ENH"], minutes(-10, 9)),
        Placement("creatinine", SPECS["BLOOD_RENAL"], minutes(-2, 9)),  # renal function known
    ]
    flagged = plan(["CT_ABD_ENH"], cal, history=ten_days_ago)
    unflagged = plan(["CT_ABD_ENH"], cal, history=ten_days_ago, without="ENHANCED_REPEAT_30D")
    assert [f.rule.code for f in flagged.flags] == ["ENHANCED_REPEAT_30D"]
    assert flagged.exams  # flagged for the doctor, not refused
    assert unflagged.flags == []


def test_the_combined_sedated_procedure_is_one_exam_in_one_visit():
    cal = calendar({"endoscopy": every_day(ALL_DAY), "ultrasound": every_day(ALL_DAY)})
    combined = plan(["US_ABD", "GASTRO_COLONO_SED"], cal)
    assert len(combined.visits) == 1


@pytest.mark.parametrize("rule_code", sorted(SCENARIOS))
def test_the_greedy_fallback_keeps_each_rule_too(rule_code):
    """When CP-SAT runs out of time the greedy packer's plan is offered: it keeps every rule."""
    codes, cal, keeps_rule = SCENARIOS[rule_code]
    needs = [Need(index, SPECS[code], HOSPITAL) for index, code in enumerate(codes)]
    context = planner._Context(cal, default_rules(), list(range(14)), [], 0)
    greedy = Plan(planner._greedy(needs, context))
    assert len(greedy.exams) == len(codes)
    assert keeps_rule(greedy)
