"""The planner's shortcuts (D39): a lower bound on visits from the rules, no solver when the
greedy plan reaches the bounds, and the better of the greedy and CP-SAT plans. They make the
planner faster, never worse: plans of busy-day patients keep the same orders placed, visits
and minutes on site as the full search."""

from __future__ import annotations

import random

import pytest

from onetrip.exams import planner
from onetrip.exams.catalogue import DEVICE_DEFAULTS, default_rules, default_specs
from onetrip.exams.planner import Calendar, Need, Plan, fewest_visits, plan_visits
from onetrip.exams.rules import DAY, violations

SPECS = default_specs()
RULES = default_rules()
HOSPITAL, OTHER = 1, 2
DEVICES = {"ultrasound": 2, "ct": 2, "mri": 1, "dr": 1, "fluoroscopy": 1, "endoscopy": 1}
DEVICES |= {"ecg": 1, "echo": 1, "blood_draw": 2}
WORK_UPS = [
    ["BLOOD_FASTING", "US_ABD", "ECG", "DR_CHEST", "ECHO", "BLOOD_ROUTINE"],
    ["US_ABD", "GASTROSCOPY_SED", "BARIUM_MEAL", "CT_ABD", "BLOOD_FASTING"],
    ["COLONOSCOPY_SED", "US_ABD", "CT_ABD_ENH", "BARIUM_ENEMA", "ECG"],
    ["ECG", "ECHO", "CT_CHEST_ENH", "US_VESSELS", "BLOOD_ROUTINE"],
    ["CT_ABD_ENH", "MRI_ABD_ENH", "CT_CHEST_ENH", "US_ABD", "DR_CHEST"],
    ["MRI_HEAD", "CT_HEAD", "MRI_HEAD_ENH", "US_VESSELS", "ECG"],
]


def needs(*codes: str, institution: int = HOSPITAL) -> list[Need]:
    return [Need(index, SPECS[code], institution, SPECS[code].lead_days) for index, code in
            enumerate(codes)]  # fmt: skip


def busy_calendar(seed: int, taken: float = 0.6) -> Calendar:
    """Default hours Monday to Saturday over 14 days, `taken` of the slots already booked at
    random, so the packer meets gaps."""
    rng = random.Random(seed)
    calendar = Calendar()
    device_id = 0
    for kind, count in DEVICES.items():
        hours = DEVICE_DEFAULTS[kind]
        for _ in range(count):
            device_id += 1
            calendar.add_device(device_id, HOSPITAL, kind, hours.slot_minutes)
            for day in range(14):
                if day % 7 == 6:
                    continue
                for start, end in hours.periods:
                    first = day * DAY + start.hour * 60 + start.minute
                    last = day * DAY + end.hour * 60 + end.minute
                    for at in range(first, last - hours.slot_minutes + 1, hours.slot_minutes):
                        if rng.random() >= taken:
                            calendar.add_free_slot(device_id, at)
    return calendar


def rank(plan: Plan) -> tuple[int, int, int]:
    return (len(plan.exams), len(plan.visits), plan.minutes_on_site)


def test_rules_that_keep_exams_off_one_day_bound_the_visits():
    assert fewest_visits(needs("US_ABD", "ECG", "BLOOD_FASTING"), RULES) == 1
    assert fewest_visits(needs("CHOLANGIOGRAPHY", "CT_CHEST_ENH"), RULES) == 2  # iodine 7 days
    # Chest and abdomen enhanced CT: one scan, one contrast dose (issue 16).
    assert fewest_visits(needs("CT_ABD_ENH", "CT_CHEST_ENH"), RULES) == 1
    assert fewest_visits(needs("CT_CHEST_ENH", "MRI_HEAD_ENH"), RULES) == 2  # two agents
    assert fewest_visits(needs("GASTROSCOPY", "COLONOSCOPY"), RULES) == 2  # only combined
    # The combined chest and abdomen CT on one day, the enhanced MRI on another.
    assert fewest_visits(needs("CT_ABD_ENH", "CT_CHEST_ENH", "ECG", "MRI_ABD_ENH"), RULES) == 2
    # A barium meal before the CT is fine on one day: not a bound.
    assert fewest_visits(needs("BARIUM_MEAL", "CT_ABD"), RULES) == 1
    # Another institution is another visit.
    two_places = [*needs("ECG"), *[Need(9, SPECS["ECHO"], OTHER)]]
    assert fewest_visits(two_places, RULES) == 2
    # Without the rule, no bound.
    without = [rule for rule in RULES if rule.code != "IODINE_7_DAYS_APART"]
    assert fewest_visits(needs("CHOLANGIOGRAPHY", "CT_CHEST_ENH"), without) == 1


def test_no_solver_runs_when_the_packer_reaches_the_bounds(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the packer's plan is optimal: no model needed")

    monkeypatch.setattr(planner, "_solve", refuse)
    monkeypatch.setattr(planner, "_solve_day", refuse)
    calendar = busy_calendar(seed=1, taken=0)
    one_trip = plan_visits(needs("ECG", "BLOOD_ROUTINE"), calendar, RULES, days=range(14))
    assert len(one_trip.visits) == 1
    assert one_trip.minutes_on_site == 10 + 5
    contrast = plan_visits(
        needs("CHOLANGIOGRAPHY", "CT_CHEST_ENH"), calendar, RULES, days=range(14)
    )
    assert len(contrast.visits) == 2
    assert not contrast.unplaced
    assert contrast.visits[1][1] - contrast.visits[0][1] >= 7


def test_a_solver_plan_worse_than_the_packers_is_not_taken(monkeypatch):
    calendar = busy_calendar(seed=2)
    orders = needs("CHOLANGIOGRAPHY", "CT_CHEST_ENH", "US_ABD", "ECG")
    monkeypatch.setattr(planner, "_reaches_bounds", lambda *args: False)
    monkeypatch.setattr(planner, "_solve", lambda *args, **kwargs: None)
    packed = plan_visits(orders, calendar, RULES, days=range(14))  # the packer's plan
    worse = Plan(packed.exams[:1], solver="cp-sat")  # one order placed instead of four
    monkeypatch.setattr(planner, "_solve", lambda *args, **kwargs: worse)
    chosen = plan_visits(orders, calendar, RULES, days=range(14))
    assert chosen.solver == "greedy"
    assert rank(chosen) == rank(packed)


@pytest.mark.parametrize("seed", range(12))
def test_the_shortcuts_keep_the_full_searchs_plan_quality(seed, monkeypatch):
    rng = random.Random(seed)
    work_up = rng.choice(WORK_UPS)
    orders = needs(*rng.sample(work_up, rng.randint(2, len(work_up))))
    calendar = busy_calendar(seed)
    fast = plan_visits(orders, calendar, RULES, days=range(14), not_before=9 * 60)
    # The full search: every model built, whatever the bounds say.
    monkeypatch.setattr(planner, "fewest_visits", lambda *args: 1)
    monkeypatch.setattr(planner, "_reaches_bounds", lambda *args: False)
    full = plan_visits(orders, calendar, RULES, days=range(14), not_before=9 * 60)
    assert rank(fast) == rank(full)
    assert violations([e.placement for e in fast.exams], RULES) == []
