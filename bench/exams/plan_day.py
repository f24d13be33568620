"""One generated day of exam orders planned by the one-trip planner and by first-come-first-
served baselines, in the same run (issue 5 benchmark, R-EXAM-1).

About 3,000 orders from 1,200 patients (a third with two or more exams) arrive between 08:00
and 17:00 on a Monday at one hospital with 40 devices; each patient is planned on arrival over
the next 14 days. The planner and the baselines use the same calendar code and the same rule
reading (`onetrip.exams.rules.violations`), in memory: this measures planning, not the database.
Per-patient times are CPU time of this process (the machine is shared: wall time is printed for
the whole day too, with the load average).

    .venv/bin/python bench/exams/plan_day.py [--seed 2026] [--json var/bench-exams.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from onetrip.exams import checker  # noqa: E402
from onetrip.exams.catalogue import (  # noqa: E402
    DEFAULT_RULES,
    DEVICE_DEFAULTS,
    default_rules,
    default_specs,
)
from onetrip.exams.planner import Booked, Calendar, Need, plan_visits  # noqa: E402
from onetrip.exams.rules import DAY, FASTING_TAG, fits, violations  # noqa: E402

# The rules as the catalogue's data, for the independent checker (not `rules.Rule`).
RULES_AS_DATA = [
    {
        "code": r.code,
        "kind": str(r.kind),
        "first": r.first,
        "second": r.second,
        "days": r.days,
        "minutes": r.minutes,
    }
    for r in DEFAULT_RULES
]
FASTING_BY = 10 * 60

HOSPITAL = 1
HORIZON = range(14)
ARRIVAL_MINUTES = 30
DEVICES = {
    "ultrasound": 8,
    "ct": 4,
    "mri": 3,
    "dr": 3,
    "fluoroscopy": 2,
    "endoscopy": 4,
    "ecg": 3,
    "echo": 3,
    "blood_draw": 10,
}  # 40 devices
# Work-ups a doctor (or several) orders together; a patient gets a sample of one.
PROFILES = {
    "check-up": [
        "BLOOD_FASTING",
        "BLOOD_ROUTINE",
        "US_ABD",
        "ECG",
        "DR_CHEST",
        "US_THYROID",
        "ECHO",
    ],
    "digestive": [
        "US_ABD",
        "GASTROSCOPY_SED",
        "BARIUM_MEAL",
        "CT_ABD",
        "BLOOD_ROUTINE",
        "ECG",
        "BLOOD_FASTING",
    ],
    "bowel": [
        "COLONOSCOPY_SED",
        "US_ABD",
        "BLOOD_ROUTINE",
        "CT_ABD_ENH",
        "ECG",
        "BARIUM_ENEMA",
        "BLOOD_FASTING",
    ],
    "cardiac": [
        "ECG",
        "ECHO",
        "BLOOD_FASTING",
        "CT_CHEST_ENH",
        "US_VESSELS",
        "DR_CHEST",
        "BLOOD_ROUTINE",
    ],
    "oncology": [
        "CT_ABD_ENH",
        "MRI_ABD_ENH",
        "CT_CHEST_ENH",
        "US_ABD",
        "BLOOD_ROUTINE",
        "ECG",
        "DR_CHEST",
    ],
    "neuro": [
        "MRI_HEAD",
        "CT_HEAD",
        "MRI_HEAD_ENH",
        "BLOOD_ROUTINE",
        "ECG",
        "US_VESSELS",
        "DR_CHEST",
    ],
    "spine": ["DR_KNEE", "MRI_LSPINE", "US_VESSELS", "BLOOD_ROUTINE", "DR_CHEST", "ECG"],
    "women": [
        "US_PELVIS",
        "US_BREAST",
        "US_THYROID",
        "BLOOD_ROUTINE",
        "BLOOD_FASTING",
        "ECG",
        "DR_CHEST",
    ],
}
SINGLE = {
    "BLOOD_ROUTINE": 20, "BLOOD_FASTING": 10, "US_ABD": 8, "US_THYROID": 5, "US_BREAST": 4,
    "US_PELVIS": 4, "DR_CHEST": 10, "DR_KNEE": 4, "ECG": 10, "ECHO": 4, "CT_HEAD": 4,
    "CT_CHEST": 6, "MRI_LSPINE": 3, "MRI_HEAD": 3, "GASTROSCOPY": 3, "COLONOSCOPY": 2,
}  # fmt: skip


@dataclass
class Patient:
    key: int
    arrives: int  # minute of day 0
    codes: list[str]


def generate(seed: int, patients: int = 1200, multi_share: float = 1 / 3) -> list[Patient]:
    rng = random.Random(seed)
    people = []
    for key in range(patients):
        if key < patients * multi_share:
            profile = PROFILES[rng.choice(sorted(PROFILES))]
            count = max(2, min(len(profile), round(rng.gauss(5.8, 1.0))))
            codes = rng.sample(profile, count)
        else:
            codes = rng.choices(list(SINGLE), weights=list(SINGLE.values()))
        people.append(Patient(key, rng.randint(8 * 60, 17 * 60), codes))
    people.sort(key=lambda p: p.arrives)
    return people


def open_calendar() -> Calendar:
    """40 devices, default hours Monday to Saturday (day 0 is a Monday), nothing booked."""
    calendar = Calendar()
    device_id = 0
    for kind, count in DEVICES.items():
        hours = DEVICE_DEFAULTS[kind]
        for _ in range(count):
            device_id += 1
            calendar.add_device(device_id, HOSPITAL, kind, hours.slot_minutes)
            for day in HORIZON:
                if day % 7 == 6:
                    continue
                calendar.set_day_left(device_id, day, hours.daily_capacity)
                for start, end in hours.periods:
                    first = day * DAY + start.hour * 60 + start.minute
                    last = day * DAY + end.hour * 60 + end.minute
                    for at in range(first, last - hours.slot_minutes + 1, hours.slot_minutes):
                        calendar.add_free_slot(device_id, at)
    return calendar


def open_minutes(days: int) -> int:
    total = 0
    for kind, count in DEVICES.items():
        hours = DEVICE_DEFAULTS[kind]
        per_day = sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in hours.periods)
        total += count * per_day * sum(1 for day in range(days) if day % 7 != 6)
    return total


def needs_of(patient: Patient, specs) -> list[Need]:
    return [
        Need(patient.key * 100 + index, specs[code], HOSPITAL, specs[code].lead_days)
        for index, code in enumerate(patient.codes)
    ]


def plan_planner(patient, calendar, specs, rules):
    started = time.process_time()
    plan = plan_visits(
        needs_of(patient, specs), calendar, rules, days=HORIZON,
        not_before=patient.arrives + ARRIVAL_MINUTES,
    )  # fmt: skip
    elapsed = time.process_time() - started
    return plan.exams, len(plan.unplaced), elapsed, plan.solver


def plan_fcfs(patient, calendar, specs, rules, *, rule_aware: bool):
    """Each order on its own, in the order written, at the earliest free time: the patient is
    only kept from being in two rooms at once (and, rule-aware, from breaking a rule)."""
    started = time.process_time()
    booked: list[Booked] = []
    missing = 0
    for need in needs_of(patient, specs):
        found = None
        for day in HORIZON:
            if day < need.earliest_day:
                continue
            for opening in calendar.openings(
                HOSPITAL, need.spec.device_kind, day, need.spec.duration
            ):
                if opening.start < patient.arrives + ARRIVAL_MINUTES:
                    continue
                exam = Booked(need, opening.start, opening.device_id)
                if any(b.start < exam.end and exam.start < b.end for b in booked):
                    continue
                placed = [b.placement for b in booked]
                if rule_aware and fits(exam.placement, placed, rules) is not None:
                    continue
                found = exam
                break
            if found:
                break
        if found is None:
            missing += 1
        else:
            booked.append(found)
            calendar.take(found.device_id, found.start, need.spec.duration)
    return booked, missing, time.process_time() - started, "fcfs"


def run(method, people, specs, rules, held) -> dict:
    calendar = open_calendar()
    per_patient, results = [], []
    solvers: dict[str, int] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    full_mornings: dict[int, set[str]] = {}
    for patient in people:
        full_mornings[patient.key] = morning_full_today(patient, calendar, specs)
        exams, missing, elapsed, solver = method(patient, calendar, specs, rules)
        if method is plan_planner:
            for exam in exams:
                calendar.take(exam.device_id, exam.start, exam.need.spec.duration)
        per_patient.append(elapsed)
        solvers[solver] = solvers.get(solver, 0) + 1
        results.append((patient, exams, missing))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return summarise(results, per_patient, wall, cpu, solvers, rules, full_mornings, held)


def morning_full_today(patient: Patient, calendar: Calendar, specs) -> set[str]:
    """The patient's fasting exams with no free start before 10:00 left on the ordering day
    when the patient is planned (measured before planning, the same way for every method)."""
    full = set()
    for code in patient.codes:
        spec = specs[code]
        if FASTING_TAG not in spec.tags:
            continue
        openings = calendar.openings(HOSPITAL, spec.device_kind, 0, spec.duration)
        if not any(patient.arrives + ARRIVAL_MINUTES <= o.start < FASTING_BY for o in openings):
            full.add(code)
    return full


def visits_of(exams) -> list[int]:
    return sorted({e.start // DAY for e in exams})


def on_site(exams) -> int:
    total = 0
    for day in visits_of(exams):
        todays = [e for e in exams if e.start // DAY == day]
        total += max(e.end for e in todays) - min(e.start for e in todays)
    return total


def summarise(results, per_patient, wall, cpu, solvers, rules, full_mornings, held) -> dict:
    multi = [(p, exams, missing) for p, exams, missing in results if len(p.codes) > 1]
    one_visit = [p.key for p, exams, missing in multi if not missing and len(visits_of(exams)) == 1]
    broken = sum(len(violations([e.placement for e in exams], rules)) for _p, exams, _m in results)
    independent = [
        problem
        for _p, exams, _m in results
        for problem in checker.check_plan(checker.planned_exams(exams), RULES_AS_DATA)
    ]
    last_day = max((e.start // DAY for _p, exams, _m in results for e in exams), default=0)
    device_minutes = sum(e.need.spec.duration for _p, exams, _m in results for e in exams)
    ordered = sorted(per_patient)
    return {
        "orders": sum(len(p.codes) for p, _e, _m in results),
        "unplaced_orders": sum(m for _p, _e, m in results),
        "multi_exam_patients": len(multi),
        "multi_one_visit": len(one_visit),
        "one_visit_keys": one_visit,
        "mean_visits_multi": statistics.mean(len(visits_of(e)) for _p, e, _m in multi),
        "mean_minutes_on_site": statistics.mean(on_site(e) for _p, e, _m in results),
        "mean_minutes_on_site_multi": statistics.mean(on_site(e) for _p, e, _m in multi),
        "days_used": last_day + 1,
        "device_utilisation": device_minutes / open_minutes(last_day + 1),
        "rule_violations": broken,
        "independent_checker_violations": len(independent),
        "independent_checker_examples": independent[:5],
        **fasting_figures(results, full_mornings, held),
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p95_ms": 1000 * ordered[int(len(ordered) * 0.95)],
        "max_ms": 1000 * ordered[-1],
        "whole_day_cpu_s": cpu,
        "whole_day_wall_s": wall,
        "solvers": solvers,
    }


def fasting_figures(results, full_mornings, held) -> dict:
    """Fasting exams starting before 10:00 (issue 16). A patient comes fasting to every day
    after the ordering day. On the ordering day, a fasting exam is excepted and counted apart
    when the order left no time for a start before 10:00 (arrival + 30 minutes: "ordered after
    breakfast") or the morning had no free start before 10:00 left for it ("capacity"). On any
    day, one is excepted when the patient's orders, which the rules allow in one visit, are
    planned in one visit and the rules alone keep it from starting before 10:00 in any such
    visit (`held`, the bound of `checker.held_past_fasting_time`, D199)."""
    fasting = [(p, e) for p, exams, _m in results for e in exams if FASTING_TAG in e.need.spec.tags]
    early = [(p, e) for p, e in fasting if e.start % DAY < FASTING_BY]

    def after_breakfast(p, e) -> bool:
        return e.start // DAY == 0 and p.arrives + ARRIVAL_MINUTES >= FASTING_BY

    def morning_full(p, e) -> bool:
        return e.start // DAY == 0 and e.need.spec.code in full_mornings[p.key]

    one_visit = {p.key for p, exams, _m in results if len(visits_of(exams)) == 1}

    def held_by_rules(p, e) -> bool:
        return p.key in one_visit and e.need.spec.code in held.get(p.key, ())

    def excepted(p, e) -> bool:
        return after_breakfast(p, e) or morning_full(p, e) or held_by_rules(p, e)

    counted = [(p, e) for p, e in fasting if not excepted(p, e)]
    held_apart = [
        (p, e)
        for p, e in fasting
        if held_by_rules(p, e) and not after_breakfast(p, e) and not morning_full(p, e)
    ]
    patients: dict[int, bool] = {}
    for p, e in counted:
        patients[p.key] = patients.get(p.key, True) and e.start % DAY < FASTING_BY
    return {
        "fasting_exams": len(fasting),
        "fasting_exams_before_10": len(early),
        "fasting_exams_excepted_ordered_after_breakfast": sum(
            1 for p, e in fasting if after_breakfast(p, e)
        ),
        "fasting_exams_excepted_morning_full": sum(
            1 for p, e in fasting if morning_full(p, e) and not after_breakfast(p, e)
        ),
        "fasting_exams_excepted_held_by_rules": len(held_apart),
        "fasting_patients_with_an_exam_held_by_rules": len({p.key for p, _e in held_apart}),
        "fasting_exams_counted": len(counted),
        "fasting_exams_counted_before_10": sum(
            1 for _p, e in counted if e.start % DAY < FASTING_BY
        ),
        "fasting_patients_counted": len(patients),
        "fasting_patients_all_before_10": sum(patients.values()),
        "fasting_patients_share_before_10": sum(patients.values()) / max(1, len(patients)),
    }


# Rule kinds that keep two exams off one day, read from the rule rows (not the planner).
APART_KINDS = {"days_apart", "not_same_day", "days_after"}


def one_visit_not_excluded(people, specs) -> set[int]:
    """Multi-exam patients whose orders no rule keeps off one day (two iodinated-contrast
    exams, an enhanced CT with an enhanced MRI, a return next day…): a lower bound on visits
    computed from the rule rows alone, without the planner (issue 16)."""
    apart = [r for r in RULES_AS_DATA if r["kind"] in APART_KINDS and r["days"] != 0]
    apart += [r for r in RULES_AS_DATA if r["kind"] == "not_same_day"]
    combined = [r for r in RULES_AS_DATA if r["kind"] == "combined"]

    def linked(a, b, rule) -> bool:
        return (rule["first"] in a.tags and rule["second"] in b.tags) or (
            rule["first"] in b.tags and rule["second"] in a.tags
        )

    possible = set()
    for patient in people:
        if len(patient.codes) < 2:
            continue
        exams = [specs[code] for code in patient.codes]
        kept_apart = any(
            linked(a, b, rule) and not any(linked(a, b, c) for c in combined)
            for i, a in enumerate(exams)
            for b in exams[i + 1 :]
            for rule in apart
        )
        if not kept_apart:
            possible.add(patient.key)
    return possible


def held_past_fasting_time(people, specs, feasible) -> dict[int, set[str]]:
    """For each patient the rules allow in one visit, the fasting exams that the rules keep
    from starting before 10:00 in any one visit (a sedated gastroscopy's two hours of recovery
    before the barium meal that must follow it…): the checker's bound from the rule rows and
    the rooms' opening times, without the planner (D199)."""
    opens = {
        code: min(start.hour * 60 + start.minute for start, _end in hours.periods)
        for code, spec in specs.items()
        for hours in [DEVICE_DEFAULTS[spec.device_kind]]
    }
    held = {}
    for patient in people:
        if patient.key not in feasible:
            continue
        visit = [
            checker.Exam(code, frozenset(specs[code].tags), 0, specs[code].duration)
            for code in patient.codes
        ]
        found = checker.held_past_fasting_time(visit, RULES_AS_DATA, opens)
        if found:
            held[patient.key] = set(found)
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    specs, rules = default_specs(), default_rules()
    people = generate(args.seed)
    feasible = one_visit_not_excluded(people, specs)
    held = held_past_fasting_time(people, specs, feasible)
    report = {
        "seed": args.seed,
        "patients": len(people),
        "one_visit_not_excluded_by_rules": len(feasible),
        "one_visit_patients_with_fasting_held_by_rules": len(held),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    for name, method in (
        ("planner", plan_planner),
        ("fcfs", lambda *a: plan_fcfs(*a, rule_aware=False)),
        ("fcfs_rule_aware", lambda *a: plan_fcfs(*a, rule_aware=True)),
    ):
        figures = run(method, people, specs, rules, held)
        keys = set(figures.pop("one_visit_keys"))
        figures["one_visit_share_of_not_excluded"] = len(keys & feasible) / max(1, len(feasible))
        report[name] = figures
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
