"""Fasting exams as early as the plan allows (issue 16, D114): among plans of equal visits and
time on site, the one whose fasting exams start earliest in the day."""

from __future__ import annotations

from onetrip.exams.catalogue import default_rules, default_specs
from onetrip.exams.planner import Calendar, Need, plan_visits
from onetrip.exams.rules import DAY

SPECS = default_specs()
HOSPITAL = 1
BLOOD, ULTRASOUND, ENDOSCOPY = 1, 2, 3


def at(hour: int, minute: int) -> int:
    return hour * 60 + minute


def test_a_fasting_patient_on_site_at_seven_gets_the_earliest_free_slots():
    """The issue's example: on site at 07:00, fasting, three fasting exams; 08:10–09:00 and
    11:10–12:00 both take them back to back, and the plan used to pick 11:10/11:15/11:30."""
    calendar = Calendar()
    calendar.add_device(BLOOD, HOSPITAL, "blood_draw", 5)
    calendar.add_device(ULTRASOUND, HOSPITAL, "ultrasound", 15)
    calendar.add_device(ENDOSCOPY, HOSPITAL, "endoscopy", 15)
    for start in (at(8, 10), at(11, 10)):
        calendar.add_free_slot(BLOOD, start)
    for start in (at(8, 0), at(8, 15), at(11, 15)):
        calendar.add_free_slot(ULTRASOUND, start)
    for start in (at(8, 30), at(8, 45), at(11, 30), at(11, 45)):
        calendar.add_free_slot(ENDOSCOPY, start)
    needs = [
        Need(index, SPECS[code], HOSPITAL)
        for index, code in enumerate(["BLOOD_FASTING", "US_ABD", "GASTROSCOPY"])
    ]
    plan = plan_visits(needs, calendar, default_rules(), days=[0], not_before=at(7, 30))
    starts = sorted(exam.start % DAY for exam in plan.exams)
    assert len(plan.exams) == 3
    assert len(plan.visits) == 1
    assert plan.minutes_on_site == 50  # still the least time on site
    assert starts == [at(8, 10), at(8, 15), at(8, 30)]


def test_with_several_days_the_fasting_exams_are_early_on_the_chosen_day():
    calendar = Calendar()
    calendar.add_device(BLOOD, HOSPITAL, "blood_draw", 5)
    calendar.add_device(ULTRASOUND, HOSPITAL, "ultrasound", 15)
    for day in (0, 1):
        for start in (at(8, 0), at(8, 40), at(10, 55), at(11, 30)):
            calendar.add_free_slot(BLOOD, day * DAY + start)
        for start in (at(8, 45), at(11, 0)):
            calendar.add_free_slot(ULTRASOUND, day * DAY + start)
    needs = [Need(0, SPECS["BLOOD_FASTING"], HOSPITAL), Need(1, SPECS["US_ABD"], HOSPITAL)]
    plan = plan_visits(needs, calendar, default_rules(), days=[1, 0])
    assert {exam.start // DAY for exam in plan.exams} == {1}  # the patient's preferred day
    assert max(exam.start % DAY for exam in plan.exams) < at(10, 0)


def one_ultrasound(free: list[int]) -> Calendar:
    calendar = Calendar()
    calendar.add_device(ULTRASOUND, HOSPITAL, "ultrasound", 15)
    for start in free:
        calendar.add_free_slot(ULTRASOUND, start)
    return calendar


def test_a_fasting_exam_before_ten_on_a_later_day_beats_late_morning_on_an_earlier_one():
    """D125: ordered in the afternoon, the patient comes back fasting; 08:30 on day 2 beats
    11:00 on day 1 (13 hours without food)."""
    calendar = one_ultrasound([DAY + at(11, 0), 2 * DAY + at(8, 30)])
    plan = plan_visits(
        [Need(0, SPECS["US_ABD"], HOSPITAL)], calendar, default_rules(), days=range(3),
        not_before=at(15, 0),
    )  # fmt: skip
    assert [exam.start for exam in plan.exams] == [2 * DAY + at(8, 30)]


def test_a_patient_on_site_is_not_sent_home_when_this_morning_is_full():
    """On the ordering day with no start before 10:00 left, 10:30 today beats tomorrow 08:00:
    the patient is here and still fasting (the exception is counted in the benchmark)."""
    calendar = one_ultrasound([at(10, 30), DAY + at(8, 0)])
    plan = plan_visits(
        [Need(0, SPECS["US_ABD"], HOSPITAL)], calendar, default_rules(), days=range(2),
        not_before=at(8, 40),
    )  # fmt: skip
    assert [exam.start for exam in plan.exams] == [at(10, 30)]
    early_today = one_ultrasound([at(9, 0), at(10, 30)])
    plan = plan_visits(
        [Need(0, SPECS["US_ABD"], HOSPITAL)], early_today, default_rules(), days=range(2),
        not_before=at(8, 40),
    )  # fmt: skip
    assert [exam.start for exam in plan.exams] == [at(9, 0)]
