"""The independent plan checker (D128) on hand-made plans: each documented rule kind kept and
broken, the travel time, one room at a time, the preparation day; and its independence."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from onetrip.exams import checker
from onetrip.exams.checker import Exam, check_plan
from onetrip.exams.models import RuleKind

DAY = 24 * 60


def exam(name, tags, hour, minute=0, *, day=0, minutes=15, institution=1, **extra) -> Exam:
    return Exam(
        name, frozenset(tags), day * DAY + hour * 60 + minute, minutes, institution, **extra
    )


def rule(kind, first, second="", *, days=0, minutes=0) -> dict:
    return {
        "code": kind.upper(),
        "kind": kind,
        "first": first,
        "second": second,
        "days": days,
        "minutes": minutes,
    }


CASES = [
    # kind, rule, the plan that keeps it, the plan that breaks it
    (
        "morning_only",
        rule("morning_only", "fasting"),
        [exam("us", {"fasting"}, 11, 45)],
        [exam("us", {"fasting"}, 12, 0)],
    ),
    (
        "start_before",
        rule("start_before", "fasting_blood", minutes=600),
        [exam("blood", {"fasting_blood"}, 9, 55, minutes=5)],
        [exam("blood", {"fasting_blood"}, 10, 0, minutes=5)],
    ),
    (
        "before",
        rule("before", "us", "gastro"),
        [exam("us", {"us"}, 8), exam("gastro", {"gastro"}, 8, 15)],
        [exam("gastro", {"gastro"}, 8), exam("us", {"us"}, 8, 30)],
    ),
    (
        "not_within_days_after",
        rule("not_within_days_after", "barium", "ct", days=7),
        [exam("ct", {"ct"}, 8), exam("barium", {"barium"}, 8, 30)],
        [exam("barium", {"barium"}, 8), exam("ct", {"ct"}, 8, day=6)],
    ),
    (
        "days_apart",
        rule("days_apart", "iodine", "iodine", days=7),
        [exam("a", {"iodine"}, 8), exam("b", {"iodine"}, 8, day=7)],
        [exam("a", {"iodine"}, 8), exam("b", {"iodine"}, 8, day=6)],
    ),
    (
        "not_same_day",
        rule("not_same_day", "ct", "mri"),
        [exam("ct", {"ct"}, 8), exam("mri", {"mri"}, 8, day=1)],
        [exam("ct", {"ct"}, 8), exam("mri", {"mri"}, 9)],
    ),
    (
        "min_gap",
        rule("min_gap", "abdomen", "bladder", minutes=45),
        [exam("abdomen", {"abdomen"}, 8), exam("pelvis", {"bladder"}, 9)],
        [exam("abdomen", {"abdomen"}, 8), exam("pelvis", {"bladder"}, 8, 30)],
    ),
    (
        "max_gap",
        rule("max_gap", "abdomen", "bladder", minutes=120),
        [exam("abdomen", {"abdomen"}, 8), exam("pelvis", {"bladder"}, 10, 15)],
        [exam("abdomen", {"abdomen"}, 8), exam("pelvis", {"bladder"}, 10, 16)],
    ),
    (
        "recovery",
        rule("recovery", "sedation", minutes=120),
        [exam("ecg", {"ecg"}, 7, 30, minutes=10), exam("sed", {"sedation"}, 8)],
        [exam("sed", {"sedation"}, 8, minutes=30), exam("ecg", {"ecg"}, 10, 29, minutes=10)],
    ),
    (
        "result_before",
        rule("result_before", "creatinine", "contrast", days=30, minutes=60),
        [exam("blood", {"creatinine"}, 8, minutes=5), exam("ct", {"contrast"}, 9, 5)],
        [exam("blood", {"creatinine"}, 8, minutes=5), exam("ct", {"contrast"}, 9)],
    ),
    (
        "same_visit",
        rule("same_visit", "ecg", "treadmill"),
        [exam("ecg", {"ecg"}, 8, minutes=10), exam("run", {"treadmill"}, 8, 10)],
        [exam("ecg", {"ecg"}, 8, minutes=10), exam("run", {"treadmill"}, 8, 10, day=1)],
    ),
    (
        "days_after",
        rule("days_after", "holter", "holter_return", days=1),
        [exam("fit", {"holter"}, 9), exam("return", {"holter_return"}, 9, day=1)],
        [exam("fit", {"holter"}, 9), exam("return", {"holter_return"}, 8, 45, day=1)],
    ),
]


@pytest.mark.parametrize(("kind", "the_rule", "kept", "broken"), CASES, ids=[c[0] for c in CASES])
def test_each_documented_kind_is_kept_and_broken(kind, the_rule, kept, broken):
    assert check_plan(kept, [the_rule]) == []
    assert check_plan(broken, [the_rule]) != []


def test_every_rule_kind_of_the_model_is_known_to_the_checker():
    assert set(RuleKind.values) == checker.KNOWN_KINDS


def test_an_unknown_kind_is_itself_a_problem():
    problems = check_plan([exam("us", {"us"}, 8)], [rule("teleport", "us")])
    assert problems == ["TELEPORT: unknown rule kind 'teleport'"]


def test_combined_items_back_to_back_are_one_scan():
    rules = [
        rule("days_apart", "iodine", "iodine", days=7),
        rule("combined", "chest", "abdomen"),
    ]
    chest = exam("chest", {"iodine", "chest"}, 8, minutes=20)
    assert check_plan([chest, exam("abd", {"iodine", "abdomen"}, 8, 20)], rules) == []
    assert check_plan([chest, exam("abd", {"iodine", "abdomen"}, 9)], rules) != []


def test_travel_time_between_institutions_and_one_room_at_a_time():
    township = exam("us", set(), 8, institution=2)  # 08:00–08:15
    ct_soon = exam("ct", set(), 8, 30, institution=1)
    ct_later = exam("ct", set(), 8, 35, institution=1)
    travel = {frozenset((1, 2)): 20}
    assert check_plan([township, ct_soon], [], travel=travel) == ["travel 20 min: us and ct"]
    assert check_plan([township, ct_later], [], travel=travel) == []
    assert check_plan([township, exam("ct", set(), 9, institution=1)], []) == [
        "travel 60 min: us and ct"  # no row: an hour is assumed
    ]
    assert check_plan([exam("a", set(), 8), exam("b", set(), 8, 10)], []) == ["overlap: a and b"]


def test_the_preparation_day_and_the_history():
    colonoscopy = exam("colonoscopy", set(), 8, ready_day=1)
    assert check_plan([colonoscopy], []) == ["preparation: colonoscopy on day 0"]
    iodine = rule("days_apart", "iodine", "iodine", days=7)
    last_week = Exam("ct", frozenset({"iodine"}), -5 * DAY, 20, 1, planned=False)
    assert check_plan([exam("ct2", {"iodine"}, 8)], [iodine], history=[last_week]) != []
    same_visit = rule("same_visit", "ecg", "treadmill")
    old_ecg = Exam("ecg", frozenset({"ecg"}), -5 * DAY, 10, 1, planned=False)
    assert check_plan([exam("run", {"treadmill"}, 8)], [same_visit], history=[old_ecg]) == []


def test_the_checker_reads_neither_the_rules_module_nor_the_planner():
    tree = ast.parse(Path(checker.__file__).read_text())
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not any(name.startswith("onetrip") for name in imported)


def test_the_bound_holds_a_barium_meal_after_a_sedated_gastroscopy_past_ten():
    """D199: the gastroscopy comes first (barium coats the stomach) and nothing starts in the
    two hours of recovery, so with the endoscopy room opening at 08:00 no one-visit plan starts
    the barium meal before 10:30; opening at 07:00 it could (09:30)."""
    rules = [
        rule("not_within_days_after", "barium_meal", "gastroscopy", days=3),
        rule("recovery", "sedation", "", minutes=120),
        rule("before", "abdominal_us", "gastroscopy"),
    ]
    visit = [
        Exam("gastroscopy", frozenset({"gastroscopy", "sedation", "fasting"}), 0, 30),
        Exam("barium", frozenset({"barium_meal", "fasting"}), 0, 30),
        Exam("blood", frozenset({"fasting"}), 0, 5),
        Exam("us", frozenset({"abdominal_us", "fasting"}), 0, 15),
    ]
    opens = {"gastroscopy": 8 * 60, "barium": 8 * 60, "blood": 8 * 60, "us": 8 * 60}
    assert checker.held_past_fasting_time(visit, rules, opens) == {"barium": 10 * 60 + 45}
    early_list = opens | {"gastroscopy": 7 * 60, "us": 7 * 60}
    assert checker.held_past_fasting_time(visit, rules, early_list) == {}
