"""The one-trip planner (R-EXAM-1): a patient's open exam orders, from one or several doctors
and institutions, into the best plan by a lexicographic objective (D114, D125, D198): the most
orders placed, then the fewest visits, then the fewest fasting exams starting at or after 10:00
where an earlier start was reachable, then the least time on site, then the earliest days, then
the earliest times of day for fasting exams, then the fewest exams outside the patient's
preferred time of day.

Pure computation over a `Calendar` of free device time (and the travel times between
institutions), so the service, the pages and the benchmark plan the same way. OR-Tools CP-SAT
finds the optimum within a work limit; a greedy packer answers when there is one exam, when its
plan provably reaches every bound, when CP-SAT runs out of time or finds nothing better, or when
no plan takes every order (it then places what it can and says why the rest could not be
placed)."""

from __future__ import annotations

import graphlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from onetrip.exams.models import RuleKind
from onetrip.exams.rules import (
    DAY,
    FASTING_TAG,
    SEDATION_TAG,
    ExamSpec,
    Placement,
    Rule,
    Travel,
    Violation,
    fits,
    flags,
    matches,
    too_close,
)

# CP-SAT budgets are deterministic time ("work", roughly seconds of one core), so the same
# orders on the same calendar get the same plan however loaded the machine is; the wall-clock
# limit is only a safety net for a starved process.
CP_SAT_WORK = 0.2
RETRY_WORK = 1.0
CP_SAT_SECONDS = 2.0
RETRY_SECONDS = 5.0
# A fasting exam starting at or after this time of day counts as late (issue 16: ≥ 95 % before).
FASTING_BY = 10 * 60


def lexicographic_weights(bounds: Sequence[int]) -> list[int]:
    """Weights that make one weighted sum a lexicographic objective (D114): each term's weight
    exceeds the largest possible value of every term after it together (`bounds`, most
    important first), so no amount of a later term buys back an earlier one."""
    weights = []
    weight = 1
    for bound in reversed(bounds):
        weights.append(weight)
        weight *= bound + 1
    return list(reversed(weights))


def _is_fasting(need: Need) -> bool:
    return FASTING_TAG in need.spec.tags


def fasting_minutes(exams: Sequence[Booked]) -> int:
    """The times of day (minutes after midnight) of the fasting exams, added up: the lower,
    the sooner a fasting patient can eat."""
    return sum(exam.start % DAY for exam in exams if _is_fasting(exam.need))


def late_fasting(exams: Sequence[Booked], context: _Context) -> int:
    """Fasting exams starting at or after 10:00 where an earlier start was possible: on a later
    day the patient is told to come fasting, so always; on the day of ordering only if the
    calendar still had a start before 10:00 for it (an order placed after breakfast, or a
    morning already full, is excepted: the patient on site is not sent home to come back)."""
    return sum(
        1 for exam in exams if _is_fasting(exam.need) and _late(exam.need, exam.start, context)
    )


def _late(need: Need, start: int, context: _Context) -> bool:
    if start % DAY < FASTING_BY:
        return False
    day = start // DAY
    if day > context.not_before // DAY:
        return True
    return any(v % DAY < FASTING_BY for v in context.options(need).get(day, {}))


def outside_preferred(exams: Sequence[Booked], preferred: tuple[int, int] | None) -> int:
    """Exams outside the patient's preferred time of day (minutes after midnight, from–to)."""
    if preferred is None:
        return 0
    low, high = preferred
    return sum(
        1
        for e in exams
        if not (low <= e.start % DAY and e.start % DAY + e.need.spec.duration <= high)
    )


class Calendar:
    """Free device time, in minutes from midnight of the plan's first day."""

    def __init__(self) -> None:
        self._devices: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._slot_minutes: dict[int, int] = {}
        self._free: dict[tuple[int, int], set[int]] = defaultdict(set)  # (device, day) → starts
        self._day_left: dict[tuple[int, int], int] = {}
        self._no_anaesthetist: set[int] = set()
        self.travel = Travel()

    def set_travel(self, institution_id: int, other_id: int, minutes: int) -> None:
        self.travel = Travel((*self.travel.table, (institution_id, other_id, minutes)))

    def add_device(
        self,
        device_id: int,
        institution_id: int,
        kind: str,
        slot_minutes: int,
        *,
        has_anaesthetist: bool = True,
    ) -> None:
        self._devices[(institution_id, kind)].append(device_id)
        self._slot_minutes[device_id] = slot_minutes
        if not has_anaesthetist:
            self._no_anaesthetist.add(device_id)

    def add_free_slot(self, device_id: int, start: int) -> None:
        self._free[(device_id, start // DAY)].add(start)

    def set_day_left(self, device_id: int, day: int, left: int) -> None:
        self._day_left[(device_id, day)] = left

    def slots_needed(self, device_id: int, duration: int) -> int:
        return math.ceil(duration / self._slot_minutes[device_id])

    def openings(
        self, institution_id: int, kind: str, day: int, duration: int, sedation: bool = False
    ) -> list[Opening]:
        """Start times on `day` where some device of the kind is free for `duration`, earliest
        first, one device per start; an exam under sedation only where an anaesthetist is
        rostered."""
        by_start: dict[int, int] = {}
        for device_id in self._devices.get((institution_id, kind), ()):
            if self._day_left.get((device_id, day), 1) <= 0:
                continue
            if sedation and device_id in self._no_anaesthetist:
                continue
            free = self._free.get((device_id, day), set())
            step = self._slot_minutes[device_id]
            needed = self.slots_needed(device_id, duration)
            for start in free:
                if start not in by_start and all(
                    start + k * step in free for k in range(1, needed)
                ):
                    by_start[start] = device_id
        return [Opening(start, device) for start, device in sorted(by_start.items())]

    def take(self, device_id: int, start: int, duration: int) -> None:
        """Mark a booked exam's slots as used (the benchmark's stand-in for the database)."""
        day = start // DAY
        step = self._slot_minutes[device_id]
        for k in range(self.slots_needed(device_id, duration)):
            self._free[(device_id, day)].discard(start + k * step)
        if (device_id, day) in self._day_left:
            self._day_left[(device_id, day)] -= 1


@dataclass(frozen=True)
class Opening:
    start: int
    device_id: int


@dataclass(frozen=True)
class Need:
    """An open order to place: at `institution_id`, not before day `earliest_day`."""

    key: int
    spec: ExamSpec
    institution_id: int
    earliest_day: int = 0


@dataclass(frozen=True)
class Booked:
    need: Need
    start: int
    device_id: int

    @property
    def placement(self) -> Placement:
        return Placement(self.need.key, self.need.spec, self.start, self.need.institution_id)

    @property
    def end(self) -> int:
        return self.start + self.need.spec.duration

    @property
    def visit(self) -> tuple[int, int]:
        return (self.need.institution_id, self.start // DAY)


class Why:
    """Why an order could not be placed (a rule's reason is given by the rule)."""

    PREPARATION = "preparation"
    NO_TIME = "no_time"
    RULE = "rule"
    TRAVEL = "travel"


@dataclass(frozen=True)
class Unplaced:
    need: Need
    why: str
    rule: Rule | None = None
    alternative: Booked | None = None


@dataclass
class Plan:
    exams: list[Booked]
    unplaced: list[Unplaced] = field(default_factory=list)
    flags: list[Violation] = field(default_factory=list)
    solver: str = "greedy"

    @property
    def visits(self) -> list[tuple[int, int]]:
        return sorted({exam.visit for exam in self.exams}, key=lambda visit: visit[1])

    @property
    def minutes_on_site(self) -> int:
        total = 0
        for visit in self.visits:
            exams = [exam for exam in self.exams if exam.visit == visit]
            total += max(e.end for e in exams) - min(e.start for e in exams)
        return total


@dataclass
class _Context:
    calendar: Calendar
    rules: list[Rule]
    days: list[int]
    history: list[Placement]
    not_before: int
    preferred: tuple[int, int] | None = None
    _openings: dict[tuple[int, str, int, int, bool], list[Opening]] = field(default_factory=dict)
    _options: dict[int, dict[int, dict[int, int]]] = field(default_factory=dict)

    def openings(self, need: Need, day: int) -> list[Opening]:
        sedated = SEDATION_TAG in need.spec.tags
        key = (need.institution_id, need.spec.device_kind, day, need.spec.duration, sedated)
        if key not in self._openings:
            self._openings[key] = [
                o
                for o in self.calendar.openings(*key)
                if o.start >= self.not_before and day >= need.earliest_day
            ]
        return self._openings[key]

    def options(self, need: Need) -> dict[int, dict[int, int]]:
        """Possible starts (→ device) by day on the allowed days that break no rule on their
        own or against the patient's history; worked out once per order."""
        if need.key not in self._options:
            tags = need.spec.tags
            # Only rules naming one of the order's tags can refuse it (same answer, faster).
            rules = [r for r in self.rules if r.first in tags or matches(r.second, need.spec)]
            by_day = {}
            for day in self.days:
                found = {}
                for opening in self.openings(need, day):
                    candidate = Placement(need.key, need.spec, opening.start, need.institution_id)
                    if self.fits(candidate, [], rules):
                        found[opening.start] = opening.device_id
                if found:
                    by_day[day] = found
            self._options[need.key] = by_day
        return self._options[need.key]

    def fits(self, candidate: Placement, others: Sequence[Placement], rules=None) -> bool:
        """No rule broken, and the travel time kept to the exams at other institutions."""
        if fits(candidate, others, self.rules if rules is None else rules, self.history):
            return False
        travel = self.calendar.travel
        return not any(too_close(candidate, o, travel) for o in [*others, *self.history])


def plan_visits(
    needs: Sequence[Need],
    calendar: Calendar,
    rules: Sequence[Rule],
    *,
    days: Sequence[int],
    history: Sequence[Placement] = (),
    not_before: int = 0,
    alternative_days: Sequence[int] = (),
    preferred: tuple[int, int] | None = None,
    time_limit: float = CP_SAT_SECONDS,
) -> Plan:
    """Plan `needs` on the allowed `days` (in the patient's order of preference), at the
    `preferred` time of day when that costs nothing more important. Orders that cannot be
    placed come back with the reason and, searched over `alternative_days`, the nearest time
    they could be."""
    context = _Context(calendar, list(rules), list(days), list(history), not_before, preferred)
    return _plan_visits(needs, context, alternative_days, time_limit)


def _plan_visits(
    needs: Sequence[Need], context: _Context, alternative_days: Sequence[int], time_limit: float
) -> Plan:
    greedy = Plan(_greedy(needs, context), solver="greedy")
    fewest = fewest_visits(needs, context.rules)
    plan = None
    if len(needs) > 1 and not _reaches_bounds(greedy, needs, fewest, context):
        limit = _Limit(CP_SAT_WORK, time_limit)
        plan = (fewest == 1 and _one_visit(needs, context, limit)) or _solve(
            needs, context, limit, hint=greedy
        )
        if plan is None and len(greedy.exams) < len(needs):
            # The packer left orders out: worth a longer search before saying so.
            plan = _solve(needs, context, _Limit(RETRY_WORK, RETRY_SECONDS), hint=greedy)
    if plan is None or _rank(greedy, context) < _rank(plan, context):
        plan = greedy
    placed_keys = {exam.need.key for exam in plan.exams}
    unplaced = [need for need in needs if need.key not in placed_keys]
    plan.unplaced = [_why_not(need, plan, context, alternative_days) for need in unplaced]
    plan.flags = flags([e.placement for e in plan.exams], context.rules, context.history)
    return plan


def fewest_visits(needs: Sequence[Need], rules: Sequence[Rule]) -> int:
    """A lower bound on the visits any plan needs: one per institution, and at one institution
    as many as the largest group of orders that rules keep pairwise off the same day (two
    iodinated-contrast exams, an enhanced CT with an enhanced MRI…)."""
    total = 0
    for institution_id in dict.fromkeys(need.institution_id for need in needs):
        here = [need for need in needs if need.institution_id == institution_id]
        apart = {
            a.key: {b.key for b in here if b is not a and _never_same_day(a, b, rules)}
            for a in here
        }
        total += _largest_clique(list(apart), apart)
    return total


def _never_same_day(a: Need, b: Need, rules: Sequence[Rule]) -> bool:
    kinds = (RuleKind.DAYS_APART, RuleKind.NOT_SAME_DAY, RuleKind.DAYS_AFTER)
    if _combinable(a, b, rules):
        return False  # one scan together on one day
    return any(
        rule.kind in kinds
        and (rule.kind == RuleKind.NOT_SAME_DAY or rule.days >= 1)
        and (
            (rule.first in a.spec.tags and rule.second in b.spec.tags)
            or (rule.first in b.spec.tags and rule.second in a.spec.tags)
        )
        for rule in rules
    )


def _largest_clique(keys: list, apart: dict) -> int:
    best = 0
    for index, key in enumerate(keys):
        rest = [other for other in keys[index + 1 :] if other in apart[key]]
        best = max(best, 1 + _largest_clique(rest, apart))
    return best


def _reaches_bounds(plan: Plan, needs: Sequence[Need], fewest: int, context: _Context) -> bool:
    """Every order placed, in the fewest visits possible, each visit back to back, no fasting
    exam late that could be early and none outside the preferred times: no plan ranks better
    on those, so the solver has nothing to find."""
    return (
        len(plan.exams) == len(needs)
        and len(plan.visits) == fewest
        and plan.minutes_on_site == _busy_minutes(needs)
        and late_fasting(plan.exams, context) == 0
        and outside_preferred(plan.exams, context.preferred) == 0
    )


def _rank(plan: Plan, context: _Context) -> tuple[int, ...]:
    """The planner's order of preference (D114, D125, D198), as the CP-SAT objective: a
    fasting patient is not sent on a second trip to eat sooner, but within the visits the
    fasting exams go before 10:00 even when that keeps the patient longer on site (they can
    eat between the exams)."""
    days = sum(exam.start // DAY for exam in plan.exams)
    return (
        -len(plan.exams),
        len(plan.visits),
        late_fasting(plan.exams, context),
        plan.minutes_on_site,
        days,
        fasting_minutes(plan.exams),
        outside_preferred(plan.exams, context.preferred),
    )


# --- greedy ---------------------------------------------------------------------------------


def _greedy(needs: Sequence[Need], context: _Context) -> list[Booked]:
    """Repeatedly take the day (and institution) that fits the most remaining orders, in
    rule order, each as early as possible after the previous one."""
    remaining = _sequence(needs, context.rules)
    placed: list[Booked] = []
    while remaining:
        best: list[Booked] = []
        best_score = (0, 0, 0, 0)
        for day in context.days:
            for institution_id in dict.fromkeys(n.institution_id for n in remaining):
                here = [n for n in remaining if n.institution_id == institution_id]
                packed = _pack(day, here, placed, context)
                if packed:
                    span = packed[-1].end - packed[0].start
                    score = (
                        len(packed),
                        -late_fasting(packed, context),
                        -span,
                        -outside_preferred(packed, context.preferred),
                    )
                    if score > best_score:
                        best, best_score = packed, score
            if (len(best), best_score[1], -best_score[2], best_score[3]) == (
                len(remaining),
                0,
                _busy_minutes(remaining),
                0,
            ):
                break  # one visit, no gap, fasting early, at the preferred time: none better
        if not best:
            break
        placed.extend(best)
        taken = {exam.need.key for exam in best}
        remaining = [n for n in remaining if n.key not in taken]
    return placed


def _busy_minutes(needs: Sequence[Need]) -> int:
    return sum(need.spec.duration for need in needs)


def _pack(day: int, needs: list[Need], placed: list[Booked], context: _Context) -> list[Booked]:
    packed: list[Booked] = []
    ready = day * DAY
    for need in needs:
        if need.earliest_day > day:
            continue
        others = [exam.placement for exam in [*placed, *packed]]
        busy = [(exam.start, exam.end) for exam in [*placed, *packed]]
        for opening in _preferred_first(context.openings(need, day), need, context.preferred):
            if opening.start < ready:
                continue
            candidate = Placement(need.key, need.spec, opening.start, need.institution_id)
            if any(start < candidate.end and candidate.start < end for start, end in busy):
                continue
            if not context.fits(candidate, others):
                continue
            packed.append(Booked(need, opening.start, opening.device_id))
            ready = candidate.end
            break
    return packed


def _preferred_first(
    openings: list[Opening], need: Need, preferred: tuple[int, int] | None
) -> list[Opening]:
    """The openings at the patient's preferred time of day first, each group earliest first."""
    if preferred is None:
        return openings
    low, high = preferred

    def outside(opening: Opening) -> bool:
        start = opening.start % DAY
        return not (low <= start and start + need.spec.duration <= high)

    return sorted(openings, key=outside)


def _sequence(needs: Sequence[Need], rules: Sequence[Rule]) -> list[Need]:
    """Fasting exams first (they belong to the morning), then any order the rules ask for:
    ultrasound before endoscopy and barium, CT before barium."""
    ordered = sorted(needs, key=lambda n: ("fasting" not in n.spec.tags, -n.spec.duration))
    sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
    for need in ordered:
        sorter.add(need.key)
    for rule in rules:
        for a in ordered:
            for b in ordered:
                if a is b or rule.first not in a.spec.tags or not matches(rule.second, b.spec):
                    continue
                if rule.kind in (
                    RuleKind.BEFORE,
                    RuleKind.MIN_GAP,
                    RuleKind.MAX_GAP,
                    RuleKind.RESULT_BEFORE,
                    RuleKind.DAYS_AFTER,
                ):
                    sorter.add(b.key, a.key)
                elif rule.kind in (RuleKind.NOT_WITHIN_DAYS_AFTER, RuleKind.RECOVERY):
                    sorter.add(a.key, b.key)  # the sedated exam last
    by_key = {n.key: n for n in ordered}
    try:
        return [by_key[key] for key in sorter.static_order()]
    except graphlib.CycleError:
        return ordered


# --- CP-SAT ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limit:
    work: float  # deterministic time
    seconds: float  # wall clock, a safety net

    def solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = self.work
        solver.parameters.max_time_in_seconds = self.seconds
        solver.parameters.num_workers = 1
        return solver


def _one_visit(needs: Sequence[Need], context: _Context, limit: _Limit) -> Plan | None:
    """The best single visit, day by day in the patient's order of preference, by the same
    order as `_rank` (late fasting exams, time on site, then the earlier day…). Each day is a
    small model; a day whose plan reaches every bound ends the search. None when the orders
    are at several institutions or no day takes them all."""
    if len({need.institution_id for need in needs}) > 1:
        return None
    best: tuple[tuple[int, ...], list[Booked]] | None = None
    shortest = _busy_minutes(needs)
    in_rule_order = _sequence(needs, context.rules)
    for day in context.days:
        packed = _pack(day, in_rule_order, [], context)
        if len(packed) == len(needs) and _reaches_bounds(Plan(packed), needs, 1, context):
            return Plan(packed, solver="greedy")  # back to back, early, preferred: optimal
        options = {need.key: context.options(need).get(day, {}) for need in needs}
        if not all(options.values()):
            continue
        found = _solve_day(needs, options, context, limit)
        if found is None:
            continue
        key = _day_key(found, context)
        if best is None or key < best[0]:
            best = (key, found)
            if key[:2] == (0, shortest) and key[3:] == (0,) * len(key[3:]):
                break
    if best is None:
        return None
    return Plan(best[1], solver="cp-sat")


def _day_key(exams: list[Booked], context: _Context) -> tuple[int, ...]:
    """`_rank` within one visit, the day itself left to the loop's order of preference."""
    span = max(e.end for e in exams) - min(e.start for e in exams)
    return (
        late_fasting(exams, context),
        span,
        fasting_minutes(exams),
        outside_preferred(exams, context.preferred),
    )


def _solve_day(
    needs: Sequence[Need], options: dict[int, dict[int, int]], context: _Context, limit: _Limit
) -> list[Booked] | None:
    model = cp_model.CpModel()
    starts, intervals = {}, []
    for need in needs:
        values = sorted(options[need.key])
        start = model.new_int_var_from_domain(cp_model.Domain.from_values(values), "")
        intervals.append(model.new_fixed_size_interval_var(start, need.spec.duration, ""))
        starts[need.key] = start
    model.add_no_overlap(intervals)
    # One day for all: day-apart rules become constants, and a pair they forbid makes the
    # model infeasible.
    _add_rules(model, needs, starts, dict.fromkeys(starts, 0), context.rules)
    first = model.new_int_var(0, 2 * DAY * len(context.days) + DAY, "")
    last = model.new_int_var(0, 2 * DAY * len(context.days) + DAY, "")
    model.add_min_equality(first, list(starts.values()))
    model.add_max_equality(last, [starts[n.key] + n.spec.duration for n in needs])
    late, outside = _time_of_day_terms(model, needs, starts, options, context)
    fasting = [starts[n.key] for n in needs if _is_fasting(n)]  # one day: times of day + const
    count = len(needs)
    horizon = 2 * DAY * len(context.days) + DAY
    weights = lexicographic_weights([count, horizon, count * horizon, count])
    model.minimize(
        weights[0] * sum(late)
        + weights[1] * (last - first)
        + weights[2] * sum(fasting)
        + weights[3] * sum(outside)
    )
    solver = limit.solver()
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = {need.key: solver.value(starts[need.key]) for need in needs}
    exams = [Booked(n, chosen[n.key], options[n.key][chosen[n.key]]) for n in needs]
    return sorted(exams, key=lambda e: e.start)


def _time_of_day_terms(model, needs, starts, options_by_day, context: _Context):
    """Per order: a late-fasting literal and an outside-the-preferred-time literal, as CP-SAT
    terms. `options_by_day` maps an order to
    {day: {start: device}} or, for one day, {start: device}."""
    late, outside = [], []
    for need in needs:
        values = _starts_of(options_by_day[need.key])
        start = starts[need.key]
        if _is_fasting(need):
            early = [v for v in values if not _late(need, v, context)]
            if len(early) < len(values):
                is_late = model.new_bool_var("")
                if early:
                    model.add_linear_expression_in_domain(
                        start, cp_model.Domain.from_values(early)
                    ).only_enforce_if(is_late.Not())
                else:
                    model.add(is_late == 1)
                late.append(is_late)
        if context.preferred is not None:
            low, high = context.preferred
            inside = [v for v in values if low <= v % DAY and v % DAY + need.spec.duration <= high]
            if len(inside) < len(values):
                is_outside = model.new_bool_var("")
                if inside:
                    model.add_linear_expression_in_domain(
                        start, cp_model.Domain.from_values(inside)
                    ).only_enforce_if(is_outside.Not())
                else:
                    model.add(is_outside == 1)
                outside.append(is_outside)
    return late, outside


def _starts_of(options: dict) -> list[int]:
    first = next(iter(options.values()), None)
    if isinstance(first, dict):
        return sorted(start for on_day in options.values() for start in on_day)
    return sorted(options)


def _solve(needs: Sequence[Need], context: _Context, limit: _Limit, *, hint: Plan) -> Plan | None:
    """The optimal plan of every order that has some possible time, or None when CP-SAT finds
    no plan in time (or none exists: the greedy packer then says which orders cannot go)."""
    options = {need.key: context.options(need) for need in needs}
    placeable = [need for need in needs if options[need.key]]
    if not placeable:
        return None
    model = cp_model.CpModel()
    starts, days_of, intervals = {}, {}, []
    members: dict[tuple[int, int], list] = defaultdict(list)
    hinted = {exam.need.key: exam.start for exam in hint.exams}
    for need in placeable:
        by_day = options[need.key]
        values = sorted(start for on_day in by_day.values() for start in on_day)
        start = model.new_int_var_from_domain(cp_model.Domain.from_values(values), "")
        day = model.new_int_var(min(by_day), max(by_day), "")
        on_days = []
        for number, on_day in sorted(by_day.items()):
            here = model.new_bool_var("")
            model.add_linear_expression_in_domain(
                start, cp_model.Domain.from_values(sorted(on_day))
            ).only_enforce_if(here)
            members[(need.institution_id, number)].append((need, here))
            on_days.append((number, here))
            if need.key in hinted:
                model.add_hint(here, hinted[need.key] // DAY == number)
        model.add_exactly_one(here for _, here in on_days)
        model.add(day == sum(number * here for number, here in on_days))
        intervals.append(model.new_fixed_size_interval_var(start, need.spec.duration, ""))
        starts[need.key], days_of[need.key] = start, day
        if hinted.get(need.key) in values:
            model.add_hint(start, hinted[need.key])
    model.add_no_overlap(intervals)
    _add_rules(model, placeable, starts, days_of, context.rules)
    _add_travel(model, placeable, starts, context.calendar.travel)
    visit_count, minutes = [], []
    for (_, day), group in members.items():
        used = model.new_bool_var("")
        first = model.new_int_var(day * DAY, (day + 1) * DAY, "")
        last = model.new_int_var(day * DAY, (day + 1) * DAY, "")
        for need, here in group:
            model.add_implication(here, used)
            model.add(first <= starts[need.key]).only_enforce_if(here)
            model.add(last >= starts[need.key] + need.spec.duration).only_enforce_if(here)
        # Redundant but strong: a visit lasts at least as long as its exams together.
        model.add(last - first >= sum(need.spec.duration * here for need, here in group))
        model.add(first == last).only_enforce_if(used.Not())
        model.add_bool_or([here for _, here in group]).only_enforce_if(used)
        visit_count.append(used)
        minutes.append(last - first)
    late, outside = _time_of_day_terms(model, placeable, starts, options, context)
    fasting = [
        starts[need.key] - DAY * days_of[need.key] for need in placeable if _is_fasting(need)
    ]
    count, horizon = len(placeable), max(context.days, default=0) + 1
    weights = lexicographic_weights(
        [count, count, count * DAY, count * horizon, count * DAY, count]
    )
    model.minimize(
        weights[0] * sum(visit_count)
        + weights[1] * sum(late)
        + weights[2] * sum(minutes)
        + weights[3] * sum(days_of.values())
        + weights[4] * sum(fasting)
        + weights[5] * sum(outside)
    )
    solver = limit.solver()
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    exams = []
    for need in placeable:
        start = solver.value(starts[need.key])
        exams.append(Booked(need, start, options[need.key][start // DAY][start]))
    return Plan(sorted(exams, key=lambda e: e.start), solver="cp-sat")


def _add_travel(model, needs: Sequence[Need], starts, travel: Travel) -> None:
    """Exams at two institutions keep the travel time between them, whichever comes first (on
    different days the gap is there anyway)."""
    for a in needs:
        for b in needs:
            if a.key < b.key and a.institution_id != b.institution_id:
                minutes = travel.minutes(a.institution_id, b.institution_id)
                a_first = model.new_bool_var("")
                sa, sb = starts[a.key], starts[b.key]
                model.add(sb >= sa + a.spec.duration + minutes).only_enforce_if(a_first)
                model.add(sa >= sb + b.spec.duration + minutes).only_enforce_if(a_first.Not())


def _combinable(a: Need, b: Need, rules: Sequence[Rule]) -> bool:
    return any(
        rule.kind == RuleKind.COMBINED
        and (
            (rule.first in a.spec.tags and rule.second in b.spec.tags)
            or (rule.first in b.spec.tags and rule.second in a.spec.tags)
        )
        for rule in rules
    )


def _add_rules(model, needs, starts, days_of, rules: Sequence[Rule]) -> None:
    """The rules as constraints. A pair a COMBINED rule names may instead sit back to back
    (one scan): then the other rules between them are waived, as `rules.combined` says."""
    apart: dict[tuple[int, int], list] = {}  # literals "not done as one" by pair
    same: dict[tuple[int, int], object] = {}
    for a in needs:
        for b in needs:
            if a is not b and a.key < b.key and _combinable(a, b, rules):
                sa, sb = starts[a.key], starts[b.key]
                a_then_b, b_then_a = model.new_bool_var(""), model.new_bool_var("")
                model.add(sb == sa + a.spec.duration).only_enforce_if(a_then_b)
                model.add(sa == sb + b.spec.duration).only_enforce_if(b_then_a)
                model.add_at_most_one([a_then_b, b_then_a])
                separate = model.new_bool_var("")
                model.add_exactly_one([a_then_b, b_then_a, separate])
                apart[(a.key, b.key)] = apart[(b.key, a.key)] = [separate]

    def on_same_day(a: Need, b: Need):
        da, db = days_of[a.key], days_of[b.key]
        if isinstance(da, int) and isinstance(db, int):
            return da == db
        pair = (min(a.key, b.key), max(a.key, b.key))
        if pair not in same:
            literal = model.new_bool_var("")
            model.add(da == db).only_enforce_if(literal)
            model.add(da != db).only_enforce_if(literal.Not())
            same[pair] = literal
        return same[pair]

    for rule in rules:
        for a in needs:
            for b in needs:
                if a is b or rule.first not in a.spec.tags or not matches(rule.second, b.spec):
                    continue
                sa, sb, da, db = starts[a.key], starts[b.key], days_of[a.key], days_of[b.key]
                unless = apart.get((a.key, b.key), [])
                if rule.kind == RuleKind.BEFORE:
                    model.add(sa + a.spec.duration <= sb).only_enforce_if(unless)
                elif rule.kind == RuleKind.NOT_WITHIN_DAYS_AFTER:
                    b_first = model.new_bool_var("")
                    model.add(sb + b.spec.duration <= sa).only_enforce_if([b_first, *unless])
                    model.add(db - da >= rule.days).only_enforce_if([b_first.Not(), *unless])
                elif rule.kind == RuleKind.DAYS_APART:
                    a_first = model.new_bool_var("")
                    model.add(db - da >= rule.days).only_enforce_if([a_first, *unless])
                    model.add(da - db >= rule.days).only_enforce_if([a_first.Not(), *unless])
                elif rule.kind == RuleKind.NOT_SAME_DAY:
                    model.add(da != db).only_enforce_if(unless)
                elif rule.kind in (RuleKind.MIN_GAP, RuleKind.MAX_GAP, RuleKind.RECOVERY):
                    _add_gap(model, rule, a, b, sa, sb, on_same_day(a, b), unless)
                elif rule.kind == RuleKind.RESULT_BEFORE:
                    model.add(sb >= sa + a.spec.duration + rule.minutes).only_enforce_if(unless)
                elif rule.kind == RuleKind.SAME_VISIT:
                    # One visit is one institution on one day.
                    model.add(da == db if a.institution_id == b.institution_id else sa != sa)
                elif rule.kind == RuleKind.DAYS_AFTER:
                    model.add(db == da + rule.days)
                    model.add(sb >= sa + rule.days * DAY)


def _add_gap(model, rule: Rule, a: Need, b: Need, sa, sb, same, unless: list) -> None:
    """Minutes between two exams on the same day (`same` a literal or a constant)."""
    if same is False:
        return
    when = [*unless] if same is True else [same, *unless]
    end_a = sa + a.spec.duration
    if rule.kind == RuleKind.MIN_GAP:
        model.add(sb >= end_a + rule.minutes).only_enforce_if(when)
        return
    b_after = model.new_bool_var("")
    model.add(sb >= end_a).only_enforce_if(b_after)
    model.add(sb < end_a).only_enforce_if(b_after.Not())
    if rule.kind == RuleKind.MAX_GAP:
        model.add(sb <= end_a + rule.minutes).only_enforce_if([*when, b_after])
    else:  # RECOVERY: nothing starts within the recovery time after the first exam
        model.add(sb >= end_a + rule.minutes).only_enforce_if([*when, b_after])


# --- orders that cannot be placed -----------------------------------------------------------


def _why_not(
    need: Need, plan: Plan, context: _Context, alternative_days: Sequence[int]
) -> Unplaced:
    openings = [o for day in context.days for o in context.openings(need, day)]
    rule = None
    if not openings:
        beyond = need.earliest_day > max(context.days, default=-1)
        why = Why.PREPARATION if beyond else Why.NO_TIME
    else:
        others = [exam.placement for exam in plan.exams]
        candidates = [
            Placement(need.key, need.spec, o.start, need.institution_id) for o in openings
        ]
        broken = (fits(c, others, context.rules, context.history) for c in candidates)
        rule = next((r for r in broken if r is not None), None)
        why = Why.RULE if rule else Why.NO_TIME
        travel = context.calendar.travel
        if rule is None and all(any(too_close(c, o, travel) for o in others) for c in candidates):
            why = Why.TRAVEL
    wider = _Context(
        context.calendar,
        context.rules,
        list(alternative_days),
        context.history,
        context.not_before,
        context.preferred,
    )
    return Unplaced(need, why, rule, _pack_anywhere(need, plan.exams, wider))


def _pack_anywhere(need: Need, placed: list[Booked], context: _Context) -> Booked | None:
    for day in context.days:
        packed = _pack(day, [need], placed, context)
        if packed:
            return packed[0]
    return None
