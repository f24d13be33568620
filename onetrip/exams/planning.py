"""Proposing a one-trip plan for a patient's open orders, explained in plain words (R-EXAM-1).

Reads only: the device calendars and the patient's exams become a `Calendar` and placements
for `planner.plan_visits`; the proposal is shown at the doctor's desk, on the patient's phone
and at the appointment centre, and `services.confirm_plan` books what the patient accepts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.exams import planner, rules
from onetrip.exams.models import (
    Device,
    DeviceDay,
    DeviceSlot,
    ExamOrder,
    OrderStatus,
    RuleKind,
    TravelTime,
)
from onetrip.exams.planner import Booked, Calendar, Need, Plan, Unplaced, Why
from onetrip.exams.rules import DAY, ExamSpec, Placement
from onetrip.identity import services as identity
from onetrip.identity.models import Patient

HORIZON_DAYS = 14
ARRIVAL_MINUTES = 30  # nothing is proposed sooner than this from now
HISTORY_DAYS = 31  # the longest rule window (30-day repeat) and a day


@dataclass(frozen=True)
class ProposedExam:
    order: ExamOrder
    device: Device
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class NotPlanned:
    order: ExamOrder
    reason: str
    alternative: ProposedExam | None


@dataclass(frozen=True)
class Proposal:
    patient: Patient
    exams: list[ProposedExam]
    not_planned: list[NotPlanned]
    explanation: list[str]
    visits: int
    minutes_on_site: int
    solver: str

    @property
    def dates(self) -> list[dt.date]:
        return sorted({timezone.localtime(e.starts_at).date() for e in self.exams})


NO_TRAVEL_TABLE = rules.Travel()
# The patient's preferred time of day (issue 16, D125): the last thing the plan optimises.
PREFERRED_TIMES = {"morning": (0, 12 * 60), "afternoon": (12 * 60, DAY)}


def propose_plan(
    patient_id: int,
    *,
    actor: Actor,
    preferred_days: Sequence[dt.date] = (),
    preferred_time: str = "",
) -> Proposal:
    """Plan the patient's orders not yet booked, on the preferred days if given (otherwise on
    any of the next two weeks), in the preferred time of day ("morning", "afternoon") when
    nothing more important is lost."""
    if preferred_time and preferred_time not in PREFERRED_TIMES:
        raise InvalidInput.field("preferred_time", _("Choose morning or afternoon."))
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("exams.book_exam")
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    # The proposal shows the patient's orders and exam history to the staff member.
    audit.record_staff_read(actor, patient, patient_id=patient.pk, summary="exam plan proposal")
    base = clock.today()
    days = _allowed_days(base, preferred_days)
    orders = list(
        ExamOrder.objects.select_related("item", "performing_institution")
        .filter(patient=patient, status=OrderStatus.ORDERED)
        .order_by("pk")
    )
    needs = [_need(order, base) for order in orders]
    calendar = load_calendar(base, needs)
    plan_rules = rules.active_rules()
    plan = planner.plan_visits(
        needs,
        calendar,
        plan_rules,
        days=days,
        history=patient_history(patient.pk, base),
        not_before=minutes_from(base, clock.now()) + ARRIVAL_MINUTES,
        alternative_days=range(HORIZON_DAYS) if preferred_days else (),
        preferred=PREFERRED_TIMES.get(preferred_time),
    )
    return _present(patient, plan, orders, base, plan_rules, calendar.travel)


def _allowed_days(base: dt.date, preferred: Sequence[dt.date]) -> list[int]:
    horizon = list(range(HORIZON_DAYS))
    if not preferred:
        return horizon
    chosen = sorted({(day - base).days for day in preferred})
    if not chosen or chosen[0] < 0 or chosen[-1] >= HORIZON_DAYS:
        raise InvalidInput.field(
            "preferred_days",
            _("Choose days from today up to %(days)s days ahead.") % {"days": HORIZON_DAYS - 1},
        )
    return chosen


def _need(order: ExamOrder, base: dt.date) -> Need:
    ready = timezone.localtime(order.ordered_at).date() + dt.timedelta(days=order.item.lead_days)
    return Need(
        key=order.pk,
        spec=ExamSpec.of(order.item),
        institution_id=order.performing_institution_id,
        earliest_day=max(0, (ready - base).days),
    )


def minutes_from(base: dt.date, moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return (local.date() - base).days * DAY + local.hour * 60 + local.minute


def moment_at(base: dt.date, minutes: int) -> dt.datetime:
    day = base + dt.timedelta(days=minutes // DAY)
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
    return midnight + dt.timedelta(minutes=minutes % DAY)


def load_calendar(base: dt.date, needs: Sequence[Need]) -> Calendar:
    """Free slots of the devices the needs could use, over the planning horizon."""
    calendar = Calendar()
    wanted = {(n.institution_id, n.spec.device_kind) for n in needs}
    devices = [
        d
        for d in Device.objects.filter(
            is_active=True, institution_id__in={i for i, _ in wanted}
        ).order_by("pk")
        if (d.institution_id, d.kind) in wanted
    ]
    if not devices:
        return calendar
    institutions = {i for i, _kind in wanted}
    for travel in TravelTime.objects.filter(
        institution__in=institutions, other_institution__in=institutions
    ):
        calendar.set_travel(travel.institution_id, travel.other_institution_id, travel.minutes)
    for device in devices:
        calendar.add_device(
            device.pk,
            device.institution_id,
            device.kind,
            device.slot_minutes,
            has_anaesthetist=device.has_anaesthetist,
        )
    last = base + dt.timedelta(days=HORIZON_DAYS - 1)
    for device_id, date, capacity, booked in DeviceDay.objects.filter(
        device__in=devices, date__range=(base, last)
    ).values_list("device_id", "date", "capacity", "booked"):
        calendar.set_day_left(device_id, (date - base).days, capacity - booked)
    free = DeviceSlot.objects.filter(
        device__in=devices,
        day__date__range=(base, last),
        booked__lt=F("capacity"),
    ).values_list("device_id", "starts_at")
    for device_id, starts_at in free:
        calendar.add_free_slot(device_id, minutes_from(base, starts_at))
    return calendar


def patient_history(patient_id: int, base: dt.date, *, excluding: Sequence[int] = ()) -> list:
    """The patient's exams booked or done around the horizon, as placements for the rules."""
    since = timezone.make_aware(dt.datetime.combine(base, dt.time(0))) - dt.timedelta(
        days=HISTORY_DAYS
    )
    rows = (
        ExamOrder.objects.select_related("item")
        .filter(
            patient_id=patient_id,
            status__in=(OrderStatus.BOOKED, OrderStatus.CHECKED_IN, OrderStatus.COMPLETED),
        )
        .exclude(pk__in=excluding)
    )
    history = []
    for order in rows:
        when = order.starts_at or order.started_at or order.completed_at
        if when is not None and when >= since:
            history.append(
                Placement(
                    order.pk,
                    ExamSpec.of(order.item),
                    minutes_from(base, when),
                    order.performing_institution_id,
                )
            )
    return history


# --- presentation ---------------------------------------------------------------------------


def _present(
    patient: Patient,
    plan: Plan,
    orders: list[ExamOrder],
    base: dt.date,
    plan_rules: list[rules.Rule],
    travel: rules.Travel,
) -> Proposal:
    by_id = {order.pk: order for order in orders}
    devices = Device.objects.in_bulk(
        {e.device_id for e in plan.exams}
        | {u.alternative.device_id for u in plan.unplaced if u.alternative}
    )

    def proposed(exam: Booked) -> ProposedExam:
        return ProposedExam(
            by_id[exam.need.key],
            devices[exam.device_id],
            moment_at(base, exam.start),
            moment_at(base, exam.end),
        )

    exams = [proposed(e) for e in sorted(plan.exams, key=lambda e: e.start)]
    not_planned = [
        NotPlanned(
            by_id[u.need.key],
            _reason(u),
            proposed(u.alternative) if u.alternative else None,
        )
        for u in plan.unplaced
    ]
    return Proposal(
        patient=patient,
        exams=exams,
        not_planned=not_planned,
        explanation=explain(plan, base, plan_rules, travel),
        visits=len(plan.visits),
        minutes_on_site=plan.minutes_on_site,
        solver=plan.solver,
    )


def _reason(unplaced: Unplaced) -> str:
    if unplaced.why == Why.RULE and unplaced.rule is not None:
        return unplaced.rule.reason
    if unplaced.why == Why.TRAVEL:
        return _("no time to travel between the institutions on the days chosen")
    if unplaced.why == Why.PREPARATION:
        return _("it needs preparation first, so it cannot be on the days chosen")
    return _("no free time on the days chosen")


def explain(
    plan: Plan,
    base: dt.date,
    plan_rules: Sequence[rules.Rule],
    plan_travel: rules.Travel = NO_TRAVEL_TABLE,
) -> list[str]:
    """Each decision of the plan in plain words, in the reader's language."""
    lines = [_summary(plan, base, plan_rules)]
    exams = sorted(plan.exams, key=lambda e: e.start)
    for rule in plan_rules:
        for exam in exams:
            lines.extend(_rule_lines(rule, exam, exams))
    lines.extend(_travel_lines(exams, plan_travel))
    lines.extend(_late_fasting_lines(exams, plan_rules))
    for exam in exams:
        if exam.need.spec.lead_days:
            lines.append(
                _("%(exam)s needs preparation the day before, so it is on %(date)s.")
                % {"exam": exam.need.spec.name, "date": _date(base, exam.start)}
            )
    for flag in plan.flags:
        if flag.rule.kind == RuleKind.REPEAT_WITHIN_DAYS:
            line = _("Note: %(exam)s again within %(days)s days: %(reason)s.")
        else:  # a partner missing: no renal function result, no return planned (D126)
            line = _("Note: %(exam)s needs more: %(reason)s; please ask the ordering doctor.")
        lines.append(
            line
            % {"exam": flag.first.spec.name, "days": flag.rule.days, "reason": flag.rule.reason}
        )
    for unplaced in plan.unplaced:
        line = _("%(exam)s could not be planned: %(reason)s.") % {
            "exam": unplaced.need.spec.name,
            "reason": _reason(unplaced),
        }
        if unplaced.alternative:
            line += " " + _("The nearest possible time is %(when)s.") % {
                "when": _when(base, unplaced.alternative.start)
            }
        lines.append(line)
    return lines


def _summary(plan: Plan, base: dt.date, plan_rules: Sequence[rules.Rule] = ()) -> str:
    visits = plan.visits
    if not visits:
        return _("No exam could be planned.")
    if len(visits) == 1:
        institution = Institution.objects.get(pk=visits[0][0])
        message = _(
            "All %(count)s exams in one visit on %(date)s at %(place)s, %(minutes)s minutes on "
            "site."
        )
        return message % {
            "count": len(plan.exams),
            "date": _date(base, visits[0][1] * DAY),
            "place": institution.name,
            "minutes": plan.minutes_on_site,
        }
    # Name what truly makes the visits (issue 16): the institutions, a rule, or free time.
    names = {"count": len(plan.exams), "visits": len(visits)}
    places = list(dict.fromkeys(institution_id for institution_id, _day in visits))
    fewest = planner.fewest_visits([exam.need for exam in plan.exams], plan_rules)
    if len(visits) > fewest:
        message = _(
            "%(count)s exams in %(visits)s visits: no day has free time for them together "
            "(the rules alone would allow %(fewest)s)."
        )
        return message % {**names, "fewest": fewest}
    if len(places) > 1 and fewest == len(places):
        by_pk = Institution.objects.in_bulk(places)
        return _("%(count)s exams in %(visits)s visits: they are done at %(places)s.") % {
            **names,
            "places": "、".join(by_pk[pk].name for pk in places if pk in by_pk),
        }
    return _("%(count)s exams in %(visits)s visits: the rules below do not allow fewer.") % names


def _rule_lines(rule: rules.Rule, exam: Booked, exams: list[Booked]) -> list[str]:
    """The sentences a rule contributes about `exam` (as the rule's first exam)."""
    spec = exam.need.spec
    if rule.first not in spec.tags:
        return []
    if rule.kind == RuleKind.MORNING_ONLY:
        return [
            _("%(exam)s in the morning: %(reason)s.") % {"exam": spec.name, "reason": rule.reason}
        ]
    if rule.kind == RuleKind.START_BEFORE:
        return [
            _("%(exam)s before %(time)s: %(reason)s.")
            % {
                "exam": spec.name,
                "time": f"{rule.minutes // 60:02d}:{rule.minutes % 60:02d}",
                "reason": rule.reason,
            }
        ]
    lines = []
    same_day = [o for o in exams if o is not exam and o.start // DAY == exam.start // DAY]
    if rule.kind == RuleKind.RECOVERY and same_day:
        return [_("%(exam)s: %(reason)s.") % {"exam": spec.name, "reason": rule.reason}]
    for other in exams:
        if other is exam or not rules.matches(rule.second, other.need.spec):
            continue
        names = {"first": spec.name, "second": other.need.spec.name, "reason": rule.reason}
        names["days"] = rule.days
        if rule.kind == RuleKind.BEFORE:
            lines.append(_("%(first)s before %(second)s: %(reason)s.") % names)
        elif rule.kind == RuleKind.NOT_WITHIN_DAYS_AFTER and other.start < exam.start:
            lines.append(_("%(second)s before %(first)s: %(reason)s.") % names)
        elif rule.kind == RuleKind.NOT_WITHIN_DAYS_AFTER:
            lines.append(
                _("%(second)s at least %(days)s days after %(first)s: %(reason)s.") % names
            )
        elif rule.kind in (RuleKind.DAYS_APART, RuleKind.NOT_SAME_DAY) and exam.start < other.start:
            if other.start // DAY != exam.start // DAY:
                lines.append(_("%(first)s and %(second)s on different days: %(reason)s.") % names)
        elif rule.kind == RuleKind.MIN_GAP and other in same_day:
            names["minutes"] = rule.minutes
            lines.append(
                _("%(second)s at least %(minutes)s minutes after %(first)s: %(reason)s.") % names
            )
        elif rule.kind == RuleKind.COMBINED and exam.end == other.start:
            lines.append(_("%(first)s and %(second)s together: %(reason)s.") % names)
        elif rule.kind == RuleKind.RESULT_BEFORE and exam.start < other.start:
            lines.append(_("%(first)s before %(second)s: %(reason)s.") % names)
        elif rule.kind == RuleKind.SAME_VISIT:
            lines.append(_("%(first)s and %(second)s in the same visit: %(reason)s.") % names)
        elif rule.kind == RuleKind.DAYS_AFTER and other.start > exam.start:
            lines.append(_("%(second)s %(days)s days after %(first)s: %(reason)s.") % names)
    return lines


def _late_fasting_lines(exams: list[Booked], plan_rules: Sequence[rules.Rule]) -> list[str]:
    """Why a fasting exam starts at or after 10:00 (the planner puts it earlier whenever the
    visit allows, D198): the exam it must follow that day and the rules that say so, or no
    earlier free time; and the patient keeps fasting until then."""
    lines = []
    for exam in exams:
        if rules.FASTING_TAG not in exam.need.spec.tags or exam.start % DAY < planner.FASTING_BY:
            continue
        names = {"exam": exam.need.spec.name, "time": _hhmm(exam.start)}
        held = [
            (other, reasons)
            for other in exams
            if other.start // DAY == exam.start // DAY and other.end <= exam.start
            for reasons in [_reasons_to_follow(exam, other, plan_rules)]
            if reasons
        ]
        if held:
            other, reasons = held[-1]
            names |= {"other": other.need.spec.name, "reasons": "；".join(reasons)}
            line = _(
                "%(exam)s at %(time)s, not before 10:00: it must come after %(other)s "
                "(%(reasons)s). Keep fasting until then."
            )
        else:
            line = _(
                "%(exam)s at %(time)s, not before 10:00: no earlier time was free in this "
                "visit. Keep fasting until then."
            )
        lines.append(line % names)
    return lines


def _reasons_to_follow(exam: Booked, other: Booked, plan_rules: Sequence[rules.Rule]) -> list:
    """The reasons of the rules that put `exam` after `other` on one day, with a gap."""
    spec, other_spec = exam.need.spec, other.need.spec
    ordering = (RuleKind.BEFORE, RuleKind.MIN_GAP, RuleKind.RESULT_BEFORE, RuleKind.RECOVERY)
    return [
        rule.reason
        for rule in plan_rules
        if (
            rule.kind in ordering
            and rule.first in other_spec.tags
            and rules.matches(rule.second, spec)
        )
        or (
            rule.kind == RuleKind.NOT_WITHIN_DAYS_AFTER
            and rule.first in spec.tags
            and rules.matches(rule.second, other_spec)
        )
    ]


def _hhmm(minutes: int) -> str:
    return f"{minutes % DAY // 60:02d}:{minutes % 60:02d}"


def _travel_lines(exams: list[Booked], travel: rules.Travel) -> list[str]:
    """The time kept to go from one institution to the next on the same day (D127)."""
    lines = []
    for before, after in zip(exams, exams[1:], strict=False):
        here, there = before.need.institution_id, after.need.institution_id
        if here != there and before.start // DAY == after.start // DAY:
            names = Institution.objects.in_bulk([here, there])
            lines.append(
                _("%(minutes)s minutes are kept to travel from %(from)s to %(to)s.")
                % {
                    "minutes": travel.minutes(here, there),
                    "from": names[here].name,
                    "to": names[there].name,
                }
            )
    return lines


def _date(base: dt.date, minutes: int) -> str:
    return f"{base + dt.timedelta(days=minutes // DAY):%Y-%m-%d}"


def _when(base: dt.date, minutes: int) -> str:
    return f"{moment_at(base, minutes):%Y-%m-%d %H:%M}"
