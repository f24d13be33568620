"""An independent plan checker (issue 16, D128): every rule kind of `docs/exams-rules.md`
re-read from the rule rows as plain data, plus what the documentation promises beyond the
rules (one room at a time, the travel time between institutions, the preparation day).

Written from the documentation, not from `rules.py` or the planner, and used by neither: the
exam tests run it over every plan the planner proposes and the benchmark over every plan of
its day, so a planner that misreads a rule is caught by code that read it separately. It
takes the rules as mappings (`code`, `kind`, `first`, `second`, `days`, `minutes`) and the
exams as `Exam` values; the kinds are spelt out here, and a kind it does not know is itself a
violation, so a new kind cannot slip past it unchecked.

`held_past_fasting_time` is a bound of the same independence (D199): the fasting exams that
no plan of one visit can start before 10:00, from the rule rows alone — the benchmark counts
them apart as the rules' exception."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MINUTES_A_DAY = 24 * 60
MIDDAY = 12 * 60
UNKNOWN_TRAVEL = 60  # minutes assumed between two institutions the travel table does not list

# The kinds `docs/exams-rules.md` documents, with nothing to check for the ones that only flag.
FLAG_ONLY = {"repeat_within_days"}
ABOUT_ONE_EXAM = {"morning_only", "start_before"}
ABOUT_TWO_EXAMS = {
    "before",
    "not_within_days_after",
    "days_apart",
    "not_same_day",
    "min_gap",
    "max_gap",
    "recovery",
    "combined",
    "result_before",
    "same_visit",
    "days_after",
}
KNOWN_KINDS = FLAG_ONLY | ABOUT_ONE_EXAM | ABOUT_TWO_EXAMS


@dataclass(frozen=True)
class Exam:
    """One exam of a plan or of the patient's history; `start` in minutes from midnight of a
    fixed day (earlier days negative)."""

    name: str
    tags: frozenset[str]
    start: int
    minutes: int
    institution: int = 0
    ready_day: int | None = None  # the first day its preparation allows
    planned: bool = True  # False: already booked or done (history)

    @property
    def end(self) -> int:
        return self.start + self.minutes

    @property
    def date(self) -> int:
        return self.start // MINUTES_A_DAY

    @property
    def clock(self) -> int:
        return self.start % MINUTES_A_DAY


def check_plan(
    planned: Sequence[Exam],
    rules: Sequence[Mapping],
    *,
    history: Sequence[Exam] = (),
    travel: Mapping[frozenset[int], int] | None = None,
) -> list[str]:
    """Every way the planned exams break the documented rules, in words; empty if none."""
    travel = travel or {}
    problems = _own_problems(planned, travel)
    combined_pairs = [rule for rule in rules if rule["kind"] == "combined"]
    for rule in rules:
        kind = rule["kind"]
        if kind not in KNOWN_KINDS:
            problems.append(f"{rule['code']}: unknown rule kind {kind!r}")
        elif kind in ABOUT_ONE_EXAM:
            problems += [
                f"{rule['code']}: {exam.name} at {_hhmm(exam.clock)}"
                for exam in planned
                if rule["first"] in exam.tags and not _time_of_day_kept(rule, exam)
            ]
        elif kind in ABOUT_TWO_EXAMS and kind != "combined":
            problems += _pair_problems(rule, planned, history, combined_pairs)
    return problems


def _own_problems(planned: Sequence[Exam], travel: Mapping[frozenset[int], int]) -> list[str]:
    """The patient is in one room at a time, has time to travel, and is prepared."""
    problems = []
    for exam in planned:
        if exam.ready_day is not None and exam.date < exam.ready_day:
            problems.append(f"preparation: {exam.name} on day {exam.date}")
    for index, one in enumerate(planned):
        for other in planned[index + 1 :]:
            gap = 0
            if one.institution != other.institution:
                pair = frozenset((one.institution, other.institution))
                gap = travel.get(pair, UNKNOWN_TRAVEL)
            if one.start < other.end + gap and other.start < one.end + gap:
                what = "overlap" if gap == 0 else f"travel {gap} min"
                problems.append(f"{what}: {one.name} and {other.name}")
    return problems


def _time_of_day_kept(rule: Mapping, exam: Exam) -> bool:
    if rule["kind"] == "morning_only":
        return exam.clock < MIDDAY
    return exam.clock < rule["minutes"]  # start_before: minutes after midnight


def _pair_problems(
    rule: Mapping, planned: Sequence[Exam], history: Sequence[Exam], combined: list
) -> list[str]:
    # A same-visit rule is about exams planned together; the others hold against history too.
    others = list(planned) if rule["kind"] == "same_visit" else [*planned, *history]
    problems = []
    for first in others:
        if rule["first"] not in first.tags:
            continue
        for second in others:
            if second is first or not (first.planned or second.planned):
                continue
            if rule["second"] and rule["second"] not in second.tags:
                continue
            if _one_scan(first, second, combined):
                continue
            if not _pair_kept(rule, first, second):
                problems.append(
                    f"{rule['code']}: {first.name} at day {first.date} {_hhmm(first.clock)}, "
                    f"{second.name} at day {second.date} {_hhmm(second.clock)}"
                )
    return problems


def _one_scan(a: Exam, b: Exam, combined: list) -> bool:
    """Two exams a `combined` rule names, back to back on one day, are one exam."""
    touching = a.end == b.start or b.end == a.start
    return touching and _combinable(a, b, combined)


def _pair_kept(rule: Mapping, first: Exam, second: Exam) -> bool:
    """Whether the rule, read from the documentation, holds for this first and second exam."""
    kind, days, minutes = rule["kind"], rule["days"], rule["minutes"]
    same_day = first.date == second.date
    if kind == "before":
        return first.end <= second.start
    if kind == "not_within_days_after":  # before the first, or N days after it
        return second.end <= first.start or second.date >= first.date + days
    if kind == "days_apart":
        return abs(second.date - first.date) >= days
    if kind == "not_same_day":
        return not same_day
    if kind == "min_gap":
        return not same_day or second.start >= first.end + minutes
    if kind == "max_gap":
        return not same_day or second.start < first.start or second.start <= first.end + minutes
    if kind == "recovery":  # nothing from the start of the first until the recovery is over
        return not same_day or not first.start <= second.start < first.end + minutes
    if kind == "result_before":
        return second.start >= first.end + minutes
    if kind == "same_visit":
        return same_day and first.institution == second.institution
    if kind == "days_after":  # a return: exactly N days later, not before the same time
        return second.date == first.date + days and second.start >= first.start + days * 24 * 60
    raise ValueError(kind)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- adapters: the planner's values as plain data (read by attribute, nothing imported) -----


def rules_as_data(rules) -> list[dict]:
    return [
        {
            "code": r.code,
            "kind": str(r.kind),
            "first": r.first,
            "second": r.second,
            "days": r.days,
            "minutes": r.minutes,
        }
        for r in rules
    ]


def planned_exams(booked) -> list[Exam]:
    """A plan's exams (`need.spec`, `need.institution_id`, `need.earliest_day`, `start`)."""
    return [
        Exam(
            e.need.spec.code,
            frozenset(e.need.spec.tags),
            e.start,
            e.need.spec.duration,
            e.need.institution_id,
            e.need.earliest_day,
        )
        for e in booked
    ]


def history_exams(placements) -> list[Exam]:
    return [
        Exam(
            p.spec.code,
            frozenset(p.spec.tags),
            p.start,
            p.spec.duration,
            p.institution,
            None,
            False,
        )
        for p in placements
    ]


def travel_as_data(table) -> dict[frozenset[int], int]:
    return {frozenset((a, b)): minutes for a, b, minutes in table}


# --- a bound without the planner: fasting exams that no one-visit plan starts early ---------

FASTING_BY = 10 * 60  # issue 16: fasting exams start before 10:00


def held_past_fasting_time(
    visit: Sequence[Exam], rules: Sequence[Mapping], opens: Mapping[str, int]
) -> dict[str, int]:
    """The fasting exams of one visit that the rules keep from starting before 10:00 on any
    day, with the earliest time of day they could start: a lower bound from the rule rows,
    the durations and the time each exam's room opens (`opens`, by exam name), computed
    without the planner (issue 16, D199).

    On one day some rules fix an order — `before`, `min_gap` and `result_before` put the
    second after the first, `not_within_days_after` the second before the first — and
    `recovery` adds its minutes after the first exam to whatever must follow it. The longest
    chain of those from the rooms' opening times is the earliest any plan of the visit can
    reach (other exams and the free slots only push later)."""
    combined = [rule for rule in rules if rule["kind"] == "combined"]
    after: dict[tuple[int, int], int] = {}  # (earlier, later) → minutes from start to start
    for rule in rules:
        for i, first in enumerate(visit):
            for j, second in enumerate(visit):
                if i == j or rule["first"] not in first.tags:
                    continue
                if rule["second"] and rule["second"] not in second.tags:
                    continue
                if _combinable(first, second, combined):
                    continue
                kind = rule["kind"]
                if kind == "before":
                    edge, gap = (i, j), first.minutes
                elif kind in ("min_gap", "result_before"):
                    edge, gap = (i, j), first.minutes + rule["minutes"]
                elif kind == "not_within_days_after" and rule["days"] >= 1:
                    edge, gap = (j, i), second.minutes
                else:
                    continue
                after[edge] = max(after.get(edge, 0), gap)
    for (i, j), gap in list(after.items()):
        for rule in rules:
            follows = not rule["second"] or rule["second"] in visit[j].tags
            if rule["kind"] == "recovery" and rule["first"] in visit[i].tags and follows:
                after[(i, j)] = max(gap, visit[i].minutes + rule["minutes"])
    earliest = [opens[exam.name] for exam in visit]
    for _round in visit:  # longest paths; a cycle keeps pushing, and no day holds it anyway
        for (i, j), gap in after.items():
            earliest[j] = max(earliest[j], earliest[i] + gap)
    return {
        exam.name: earliest[k]
        for k, exam in enumerate(visit)
        if "fasting" in exam.tags and earliest[k] >= FASTING_BY
    }


def _combinable(a: Exam, b: Exam, combined: list) -> bool:
    """A `combined` rule names the two (in either order)."""
    return any(
        (rule["first"] in a.tags and rule["second"] in b.tags)
        or (rule["first"] in b.tags and rule["second"] in a.tags)
        for rule in combined
    )
