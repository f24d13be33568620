"""The pharmacist's review rules (审方规则), as data over the formulary: each rule reads the facts
the formulary, the interaction table, the chronic catalogue and the institution's policy hold,
and each finding carries the values its explanation shows. An institution may switch a rule off
or change its severity (`ReviewRule`); a blocking finding stops approval, a warning asks the
pharmacist to look.

The rules work on plain values (`Case`), so the table of cases in
`tests/test_review_rules.py` runs without a database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

BLOCK, WARN = "block", "warn"


@dataclass(frozen=True)
class DrugFacts:
    code: str
    generic: str
    name: str
    unit: str
    min_single: Decimal
    max_single: Decimal
    max_daily: Decimal
    routes: tuple[str, ...]
    therapeutic_class: str
    allergy_group: str = ""
    pregnancy_contraindicated: bool = False
    min_age_years: int = 0


@dataclass(frozen=True)
class LineFacts:
    drug: DrugFacts
    single_dose: Decimal
    times_per_day: int
    route: str


@dataclass(frozen=True)
class Case:
    lines: tuple[LineFacts, ...]
    age_years: int
    days: int
    chronic: bool = False
    pregnant: bool = False
    allergies: frozenset[str] = frozenset()
    standard_max_days: int = 7
    chronic_max_days: int = 84
    # The generics the shared chronic catalogue lists for the prescription's condition.
    chronic_catalogue: frozenset[str] = frozenset()
    # (generic_a, generic_b) in alphabetical order → (severity, explanation)
    interactions: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    params: dict[str, str]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    explanation: Promise
    check: Callable[[Case], Iterator[dict[str, str]]]


def _dose(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _single_dose(case: Case) -> Iterator[dict[str, str]]:
    for line in case.lines:
        drug = line.drug
        if not drug.min_single <= line.single_dose <= drug.max_single:
            yield {
                "drug": drug.name,
                "dose": _dose(line.single_dose),
                "low": _dose(drug.min_single),
                "high": _dose(drug.max_single),
                "unit": drug.unit,
            }


def _daily_dose(case: Case) -> Iterator[dict[str, str]]:
    for line in case.lines:
        daily = line.single_dose * line.times_per_day
        if daily > line.drug.max_daily:
            yield {
                "drug": line.drug.name,
                "dose": _dose(daily),
                "high": _dose(line.drug.max_daily),
                "unit": line.drug.unit,
            }


def _route(case: Case) -> Iterator[dict[str, str]]:
    for line in case.lines:
        if line.route not in line.drug.routes:
            yield {"drug": line.drug.name, "route": line.route}


def _duplicate(case: Case) -> Iterator[dict[str, str]]:
    for first, second in combinations(case.lines, 2):
        if first.drug.therapeutic_class == second.drug.therapeutic_class:
            yield {
                "first": first.drug.name,
                "second": second.drug.name,
                "class": first.drug.therapeutic_class,
            }


def _interactions(wanted: str) -> Callable[[Case], Iterator[dict[str, str]]]:
    def check(case: Case) -> Iterator[dict[str, str]]:
        for first, second in combinations(case.lines, 2):
            pair = tuple(sorted((first.drug.generic, second.drug.generic)))
            found = case.interactions.get((pair[0], pair[1]))
            if found is not None and found[0] == wanted:
                yield {"first": first.drug.name, "second": second.drug.name, "why": found[1]}

    return check


def _allergy(case: Case) -> Iterator[dict[str, str]]:
    for line in case.lines:
        if line.drug.allergy_group and line.drug.allergy_group in case.allergies:
            yield {"drug": line.drug.name, "allergy": line.drug.allergy_group}


def _age(case: Case) -> Iterator[dict[str, str]]:
    for line in case.lines:
        if case.age_years < line.drug.min_age_years:
            yield {
                "drug": line.drug.name,
                "age": str(case.age_years),
                "minimum": str(line.drug.min_age_years),
            }


def _pregnancy(case: Case) -> Iterator[dict[str, str]]:
    if case.pregnant:
        for line in case.lines:
            if line.drug.pregnancy_contraindicated:
                yield {"drug": line.drug.name}


def _duration(case: Case) -> Iterator[dict[str, str]]:
    limit = case.chronic_max_days if case.chronic else case.standard_max_days
    if case.days > limit:
        yield {"days": str(case.days), "limit": str(limit)}


def _chronic_catalogue(case: Case) -> Iterator[dict[str, str]]:
    """A long prescription (beyond the standard length) only of the shared catalogue's drugs for
    the condition: the policy that lets a stable chronic patient take 12 weeks home."""
    if not case.chronic or case.days <= case.standard_max_days:
        return
    for line in case.lines:
        if line.drug.generic not in case.chronic_catalogue:
            yield {"drug": line.drug.name, "days": str(case.days)}


RULES: tuple[Rule, ...] = (
    Rule(
        "single_dose",
        BLOCK,
        _("%(drug)s: a single dose of %(dose)s %(unit)s is outside %(low)s–%(high)s %(unit)s."),
        _single_dose,
    ),
    Rule(
        "daily_dose",
        BLOCK,
        _("%(drug)s: %(dose)s %(unit)s a day is more than the most, %(high)s %(unit)s."),
        _daily_dose,
    ),
    Rule("route", BLOCK, _("%(drug)s cannot be given this way (%(route)s)."), _route),
    Rule(
        "duplicate",
        WARN,
        _("%(first)s and %(second)s are both %(class)s: duplicate therapy."),
        _duplicate,
    ),
    Rule(
        "interaction_major",
        BLOCK,
        _("%(first)s with %(second)s: major interaction. %(why)s"),
        _interactions("major"),
    ),
    Rule(
        "interaction",
        WARN,
        _("%(first)s with %(second)s: interaction to monitor. %(why)s"),
        _interactions("moderate"),
    ),
    Rule(
        "allergy",
        BLOCK,
        _("%(drug)s: the patient is allergic to %(allergy)s."),
        _allergy,
    ),
    Rule(
        "age",
        BLOCK,
        _("%(drug)s is not for patients under %(minimum)s years (patient is %(age)s)."),
        _age,
    ),
    Rule("pregnancy", BLOCK, _("%(drug)s must not be taken in pregnancy."), _pregnancy),
    Rule(
        "duration",
        BLOCK,
        _("%(days)s days is longer than this prescription may last (%(limit)s days)."),
        _duration,
    ),
    Rule(
        "chronic_catalogue",
        BLOCK,
        _(
            "%(drug)s is not in the chronic-disease catalogue for this condition, so it may not "
            "be prescribed for %(days)s days."
        ),
        _chronic_catalogue,
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


def review(case: Case, settings: dict[str, tuple[bool, str]] | None = None) -> list[Finding]:
    """Every finding of every enabled rule; `settings` maps a rule to (enabled, severity)."""
    settings = settings or {}
    found: list[Finding] = []
    for rule in RULES:
        enabled, severity = settings.get(rule.code, (True, rule.severity))
        if enabled:
            found.extend(Finding(rule.code, severity, params) for params in rule.check(case))
    return found


def explain(rule: str, params: dict[str, str]) -> str:
    known = RULES_BY_CODE.get(rule)
    return str(known.explanation) % params if known else rule
