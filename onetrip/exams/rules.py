"""Preparation, sequencing and conflict rules, evaluated on exams placed in time (R-EXAM-1).

Rules are rows (`ExamRule`) naming exam families by tag; this module reads them into plain
values and says whether placed exams break them. The planner, plan confirmation, rescheduling
and the benchmark all judge with `violations`, so there is one reading of each rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from onetrip.exams.models import ExamItem, ExamRule, RuleKind

DAY = 1440  # minutes; placements count minutes from midnight of the plan's first day
NOON = 12 * 60
FASTING_TAG = "fasting"
# Tags every item carries from its stored fields (issue 16: `sedation` and `full_bladder` were
# stored but never read).
SEDATION_TAG = "sedation"
FULL_BLADDER_TAG = "full_bladder"
# The contrast agent is a stored field too: renal function before contrast reads it (D126).
CONTRAST_TAGS = {"iodinated": "iodinated_contrast", "gadolinium": "gadolinium_contrast"}
# Minutes between two institutions when the travel table has no row for them (D127).
DEFAULT_TRAVEL_MINUTES = 60


def field_tags(
    *, fasting: bool, sedation: bool, full_bladder: bool, contrast: str = ""
) -> set[str]:
    tags = {
        tag
        for tag, on in (
            (FASTING_TAG, fasting),
            (SEDATION_TAG, sedation),
            (FULL_BLADDER_TAG, full_bladder),
        )
        if on
    }
    if contrast in CONTRAST_TAGS:
        tags.add(CONTRAST_TAGS[contrast])
    return tags


@dataclass(frozen=True)
class ExamSpec:
    """What the rules and the planner need of an exam item."""

    code: str
    name: str
    device_kind: str
    duration: int
    tags: frozenset[str]
    lead_days: int = 0

    @classmethod
    def of(cls, item: ExamItem) -> ExamSpec:
        tags = set(item.tags) | field_tags(
            fasting=item.is_fasting,
            sedation=item.sedation,
            full_bladder=item.full_bladder,
            contrast=item.contrast,
        )
        return cls(
            code=item.code,
            name=item.display_name,
            device_kind=item.device_kind,
            duration=item.duration_minutes,
            tags=frozenset(tags),
            lead_days=item.lead_days,
        )


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    first: str
    second: str
    days: int
    reason: str
    minutes: int = 0

    @classmethod
    def of(cls, row: ExamRule) -> Rule:
        return cls(
            row.code,
            row.kind,
            row.first_tag,
            row.second_tag,
            row.days,
            row.reason_text,
            row.minutes,
        )

    @property
    def is_flag(self) -> bool:
        """A repeat is flagged for the doctor to confirm, never refused."""
        return self.kind == RuleKind.REPEAT_WITHIN_DAYS

    @property
    def binds_history(self) -> bool:
        """A same-visit rule binds only exams planned together: one done last month cannot
        share today's visit (D126)."""
        return self.kind != RuleKind.SAME_VISIT


def active_rules() -> list[Rule]:
    return [Rule.of(row) for row in ExamRule.objects.filter(is_active=True)]


@dataclass(frozen=True)
class Placement:
    """An exam at a time: `start` in minutes from midnight of the plan's first day (earlier
    days are negative), so day and time of day are plain arithmetic."""

    key: object
    spec: ExamSpec
    start: int
    institution: int = 0

    @property
    def end(self) -> int:
        return self.start + self.spec.duration

    @property
    def day(self) -> int:
        return self.start // DAY


@dataclass(frozen=True)
class Violation:
    rule: Rule
    first: Placement
    second: Placement | None = None


def matches(tag: str, spec: ExamSpec) -> bool:
    """Whether an exam carries a rule's tag; a rule's blank second tag means any exam (the
    recovery after a sedated exam holds for whatever comes next)."""
    return tag == "" or tag in spec.tags


def unary_violation(rule: Rule, exam: Placement) -> bool:
    if rule.first not in exam.spec.tags:
        return False
    if rule.kind == RuleKind.MORNING_ONLY:
        return exam.start % DAY >= NOON
    if rule.kind == RuleKind.START_BEFORE:
        return exam.start % DAY >= rule.minutes
    return False


def combined(a: Placement, b: Placement, rules: Iterable[Rule]) -> bool:
    """Two exams a COMBINED rule lets be one (chest and abdomen enhanced CT: one scan, one
    contrast dose): back to back on the same day, so the other rules between them do not
    apply."""
    if a.end != b.start and b.end != a.start:
        return False
    return any(
        rule.kind == RuleKind.COMBINED
        and (
            (rule.first in a.spec.tags and rule.second in b.spec.tags)
            or (rule.first in b.spec.tags and rule.second in a.spec.tags)
        )
        for rule in rules
    )


def pair_violation(rule: Rule, first: Placement, second: Placement) -> bool:
    """Whether `first` (carrying the rule's first tag) and `second` (its second tag) break it."""
    if rule.first not in first.spec.tags or not matches(rule.second, second.spec):
        return False
    gap_days = second.day - first.day
    if rule.kind == RuleKind.MIN_GAP:
        return gap_days == 0 and second.start < first.end + rule.minutes
    if rule.kind == RuleKind.MAX_GAP:
        return gap_days == 0 and second.start >= first.end + rule.minutes + 1
    if rule.kind == RuleKind.RECOVERY:
        return gap_days == 0 and first.start <= second.start < first.end + rule.minutes
    if rule.kind == RuleKind.BEFORE:
        return second.start < first.end
    if rule.kind == RuleKind.NOT_WITHIN_DAYS_AFTER:
        return second.start >= first.start and gap_days < rule.days
    if rule.kind == RuleKind.DAYS_APART:
        return abs(gap_days) < rule.days
    if rule.kind == RuleKind.NOT_SAME_DAY:
        return gap_days == 0
    if rule.kind == RuleKind.RESULT_BEFORE:
        return second.start < first.end + rule.minutes
    if rule.kind == RuleKind.SAME_VISIT:
        return gap_days != 0 or first.institution != second.institution
    if rule.kind == RuleKind.DAYS_AFTER:
        return gap_days != rule.days or second.start < first.start + rule.days * DAY
    return False


def too_close(a: Placement, b: Placement, travel: Travel) -> bool:
    """Two exams on one day at two institutions without the travel time between them."""
    if a.institution == b.institution or a.day != b.day:
        return False
    minutes = travel.minutes(a.institution, b.institution)
    return a.start < b.end + minutes and b.start < a.end + minutes


@dataclass(frozen=True)
class Travel:
    """Minutes between institutions (either way), from the travel table (D127)."""

    table: tuple[tuple[int, int, int], ...] = ()

    def minutes(self, a: int, b: int) -> int:
        if a == b:
            return 0
        for first, second, minutes in self.table:
            if {first, second} == {a, b}:
                return minutes
        return DEFAULT_TRAVEL_MINUTES


def repeat_flag(rule: Rule, new: Placement, earlier: Placement) -> bool:
    return (
        rule.kind == RuleKind.REPEAT_WITHIN_DAYS
        and rule.first in new.spec.tags
        and new.spec.code == earlier.spec.code
        and abs(new.day - earlier.day) < rule.days
    )


def violations(
    exams: Sequence[Placement], rules: Iterable[Rule], history: Sequence[Placement] = ()
) -> list[Violation]:
    """Blocking rules broken by `exams`, among themselves or against the patient's `history`
    (exams already booked or done)."""
    rules = list(rules)
    found = []
    for rule in rules:
        if rule.is_flag:
            continue
        for exam in exams:
            if unary_violation(rule, exam):
                found.append(Violation(rule, exam))
        for first, second in _pairs(exams, history if rule.binds_history else ()):
            if pair_violation(rule, first, second) and not combined(first, second, rules):
                found.append(Violation(rule, first, second))
    return found


def flags(
    exams: Sequence[Placement], rules: Iterable[Rule], history: Sequence[Placement] = ()
) -> list[Violation]:
    """Repeats to confirm with the ordering doctor (the same enhanced exam within 30 days…),
    and a partner missing: no renal function result before a contrast exam, a recorder fitted
    with no return planned (D126)."""
    rules = list(rules)
    repeats = [
        Violation(rule, new, earlier)
        for rule in rules
        if rule.is_flag
        for new in exams
        for earlier in [*history, *exams]
        if earlier is not new and earlier.start < new.start and repeat_flag(rule, new, earlier)
    ]
    return repeats + missing_partners(exams, rules, history)


def missing_partners(
    exams: Sequence[Placement], rules: Iterable[Rule], history: Sequence[Placement] = ()
) -> list[Violation]:
    """A contrast exam with no renal function result in time (in the plan or the last `days`
    days), a recorder fitted with no return ordered: told to the doctor, not refused (D126)."""
    everything = [*history, *exams]

    def result_missing(rule: Rule, exam: Placement) -> bool:
        return rule.second in exam.spec.tags and not any(
            rule.first in o.spec.tags
            and o.end + rule.minutes <= exam.start
            and exam.day - o.day <= rule.days
            for o in everything
        )

    def return_missing(rule: Rule, exam: Placement) -> bool:
        return rule.first in exam.spec.tags and not any(
            rule.second in o.spec.tags and o.start > exam.start for o in everything
        )

    return [
        Violation(rule, exam)
        for rule in rules
        for exam in exams
        if (rule.kind == RuleKind.RESULT_BEFORE and result_missing(rule, exam))
        or (rule.kind == RuleKind.DAYS_AFTER and return_missing(rule, exam))
    ]


def _pairs(
    exams: Sequence[Placement], history: Sequence[Placement]
) -> Iterable[tuple[Placement, Placement]]:
    """Every ordered pair with at least one exam of the plan."""
    for index, exam in enumerate(exams):
        for other_index, other in enumerate(exams):
            if other_index != index:
                yield exam, other
        for past in history:
            yield exam, past
            yield past, exam


def fits(
    exam: Placement,
    others: Sequence[Placement],
    rules: Iterable[Rule],
    history: Sequence[Placement] = (),
) -> Rule | None:
    """The first blocking rule that `exam` breaks next to `others` and `history`, or None."""
    rules = list(rules)
    for rule in rules:
        if rule.is_flag:
            continue
        if unary_violation(rule, exam):
            return rule
        for other in [*others, *history] if rule.binds_history else others:
            if (
                pair_violation(rule, exam, other) or pair_violation(rule, other, exam)
            ) and not combined(exam, other, rules):
                return rule
    return None
