"""Monitoring indicators (R-KPI-1): rollup refresh (the only writer) and the reads behind the
dashboard, the API and the periodic report.

A figure over a period adds the daily rollups of the days already rolled up and recomputes the
other days (today, and days never refreshed) from the raw records, so it is always what a
recomputation from raw data gives as long as late records are refreshed into their day
(`refresh_recent`, hourly; `metrics_rollup` for older days). Today is read as the rows of its
records up to a mark, kept while no record joined that part, plus the records after the mark
(D94); one dashboard read computes today once (`one_read`)."""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Department, Institution
from onetrip.consortium.queries import institution_subtree_ids
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction, DomainEvent
from onetrip.ebills.models import EBill
from onetrip.emergency.models import Run
from onetrip.exams.models import Device
from onetrip.inpatient import queries as inpatient_queries
from onetrip.metrics import returns
from onetrip.metrics.definitions import (
    COMPONENTS,
    EPISODE_READS,
    METRICS,
    METRICS_BY_CODE,
    READS,
    ROLLED_UP,
    Component,
    EpisodeCount,
    EventCount,
    Link,
    Metric,
    Row,
    Scope,
    day_bounds,
    linked_before,
    read_capacity,
)
from onetrip.metrics.models import (
    DailyFigure,
    FacilityReturn,
    RolledUpDay,
    TodayFigure,
    TodayMark,
)
from onetrip.metrics.periods import Period, parse_period, trailing_months
from onetrip.scheduling.models import SlotPool

VIEW_PERM = "metrics.view_indicators"
# Records may arrive for past days (an emitter's own occurred_at, a delayed interface): the hourly
# refresh rewrites this many days before today; older days need `metrics_rollup`.
LATE_DAYS = 7
TREND_MONTHS = 12


# ---------------------------------------------------------------------------------------------
# Rollups


@dataclass(frozen=True)
class RefreshReport:
    start: dt.date
    end: dt.date
    days: int
    rows: int


@transaction.atomic
def refresh_rollups(start: dt.date, end: dt.date, *, actor: Actor) -> RefreshReport:
    """Rewrite the rollups of the days start … end (exclusive); days from today on are left to
    the raw reads, since they still change."""
    end = min(end, clock.today())
    if end <= start:
        return RefreshReport(start, end, 0, 0)
    DailyFigure.objects.filter(day__gte=start, day__lt=end).delete()
    # Today's rows are rebuilt on the next read too (after a definition changed, say).
    TodayMark.objects.all().delete()
    TodayFigure.objects.all().delete()
    figures = [
        DailyFigure(
            institution_id=row.institution_id,
            department_id=row.department_id,
            day=row.day,
            component=component.code,
            key=row.key,
            value=row.value,
        )
        for component in ROLLED_UP
        for row in component.rows(start, end)
    ]
    DailyFigure.objects.bulk_create(figures, batch_size=5000)
    now = clock.now()
    days = [start + dt.timedelta(days=n) for n in range((end - start).days)]
    RolledUpDay.objects.filter(day__in=days).update(refreshed_at=now)
    known = set(RolledUpDay.objects.filter(day__in=days).values_list("day", flat=True))
    RolledUpDay.objects.bulk_create(
        [RolledUpDay(day=day, refreshed_at=now) for day in days if day not in known]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        DailyFigure,
        summary=f"indicator rollups {start} … {end - dt.timedelta(days=1)} refreshed",
        changes={"days": len(days), "rows": len(figures)},
    )
    return RefreshReport(start, end, len(days), len(figures))


def refresh_recent(*, actor: Actor) -> RefreshReport:
    """The hourly refresh: the last LATE_DAYS days before today, and today's rows so far."""
    today = clock.today()
    report = refresh_rollups(today - dt.timedelta(days=LATE_DAYS), today, actor=actor)
    advance_today()
    return report


# ---------------------------------------------------------------------------------------------
# Today (D94): rows of today's records up to a mark, kept while exact, and the rest read raw

# The mark moves in steps, so a dashboard read between two steps only reads records after it.
TODAY_STEP = dt.timedelta(minutes=5)
# Tables a query reads (FROM "table", JOIN "table"), not a column as in EXTRACT(HOUR FROM "t"."c").
_TABLES = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"(?!\.)', re.IGNORECASE)
_EPOCH = dt.date(2000, 1, 1)


def _event_count_of(component: Component) -> EventCount | EpisodeCount | None:
    count = getattr(component.rows, "__self__", None)
    return count if isinstance(count, EventCount | EpisodeCount) else None


def _kinds_of(count: EventCount | EpisodeCount) -> tuple[str, ...]:
    return count.kind if isinstance(count.kind, tuple) else (count.kind,)


_SELF_CONTAINED: dict[str, bool] = {}


def _self_contained(component: Component) -> bool:
    if component.code not in _SELF_CONTAINED:
        count = _event_count_of(component)
        if not isinstance(count, EventCount):
            return _SELF_CONTAINED.setdefault(component.code, False)
        try:
            sql = str(count.events(_EPOCH, _EPOCH + dt.timedelta(days=1)).query)
        except EmptyResultSet:
            return False  # an empty list of values (no devices yet): decided on a later read
        tables = _TABLES.findall(sql)
        _SELF_CONTAINED[component.code] = tables.count("core_domainevent") == 1 and all(
            table == "core_domainevent" or table.startswith("consortium_") for table in tables
        )
    return _SELF_CONTAINED[component.code]


def today_components() -> tuple[Component, ...]:
    """The rolled-up components counted into today's rows: those counted from events, with
    filters on the event's own fields (and on the consortium's institutions, which are
    configuration) or on other records the count names as its links (a visit's referral, a
    settlement's e-bill: re-judged when one is recorded, D204), and the care episodes, counted
    by the patients each step concerns (D238). Read from the SQL, so a definition that starts
    joining other records without naming them drops out by itself and is read raw for the whole
    of today."""
    return tuple(
        component
        for component in ROLLED_UP
        if _self_contained(component)
        or _linked(component)
        or isinstance(_event_count_of(component), EpisodeCount)
    )


def _linked(component: Component) -> tuple[Link, ...]:
    count = _event_count_of(component)
    return count.links if count is not None else ()


def _codes(components: Iterable[Component]) -> str:
    return ",".join(component.code for component in components)


def _events_before(codes: str, since: dt.datetime, until: dt.datetime, *, above: int = 0) -> int:
    """Events of the kinds these components count with ids above `above`, and the records they
    link to, occurred since … until: events never change or go (the log is append-only), nor do
    the linked records, so an equal count later means the same records."""
    components = [COMPONENTS[code] for code in codes.split(",") if code]
    kinds = set()
    for component in components:
        kinds.update(_kinds_of(_event_count_of(component)))
    links = {link for component in components for link in _linked(component)}
    for link in links:
        kinds.update(link.kinds)
    events = DomainEvent.objects.filter(
        kind__in=sorted(kinds), occurred_at__gte=since, occurred_at__lt=until
    )
    if above:  # else left out: an id test would take the count off its index-only scan
        events = events.filter(id__gt=above)
    return events.count() + sum(link.count(since, until) for link in links if not link.kinds)


def _watermark() -> int:
    """The highest event id under which every event is already visible, so today's count need
    only read the ids above it (D260); 0 when that cannot be told (all of today's is read). Ids
    are handed out before their transactions commit: on PostgreSQL the highest visible id
    holds unless a write begun before it was read is still open (it may yet commit an event
    under it); a session hidden from this role counts as one. SQLite writes one transaction at
    a time, and the advance holds the lock."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return 0
    if connection.vendor == "sqlite":
        return DomainEvent.objects.aggregate(top=Max("id"))["top"] or 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id), clock_timestamp() FROM {DomainEvent._meta.db_table}")
        top, read_at = cursor.fetchone()
        # A transaction holding an id under `top` had it before `top` was read, so it began
        # earlier, has written, and shows here if still open.
        cursor.execute(
            "SELECT bool_or(query = '<insufficient privilege>'),"
            " bool_or(backend_xid IS NOT NULL AND xact_start <= %s)"
            " FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()",
            [read_at],
        )
        hidden, older_write = cursor.fetchone()
    top = top or 0
    return 0 if hidden or older_write else top


def _step_before(moment: dt.datetime, day_start: dt.datetime) -> dt.datetime:
    steps = (moment - day_start) // TODAY_STEP
    return day_start + max(steps, 0) * TODAY_STEP


def _mark_holds(mark: TodayMark | None, day_start: dt.datetime) -> bool:
    """The rows up to the mark are still exact: counted by today's components as they are now,
    and no event joined the marked part since."""
    return (
        mark is not None
        and mark.components == _codes(today_components())
        and _events_before(mark.components, day_start, mark.until, above=mark.watermark)
        == mark.events
    )


@transaction.atomic
def advance_today(until: dt.datetime | None = None) -> TodayMark:
    """Count today's records up to `until` (the last step before now) into today's rows: the
    records since the mark are added when the rows still hold, all of today's when a record
    joined the marked part since (a late event). The event count is taken before the rows, so a
    record committed meanwhile makes the next read's count differ instead of being missed."""
    today = clock.today()
    day_start, day_end = day_bounds(today, today + dt.timedelta(days=1))
    now = clock.now()
    if until is None:
        until = _step_before(now, day_start)
    until = min(max(until, day_start), day_end)
    TodayMark.objects.filter(day__lt=today).delete()
    TodayFigure.objects.filter(day__lt=today).delete()
    TodayMark.objects.get_or_create(
        day=today, defaults={"until": day_start, "events": 0, "refreshed_at": now}
    )
    mark = TodayMark.objects.select_for_update().get(day=today)
    holds = _mark_holds(mark, day_start)
    if holds and mark.until >= until:
        return mark
    # The watermark and the count are taken before the rows (D260).
    mark.watermark = _watermark()
    if holds:
        since = mark.until
        current = {
            (f.component, f.institution_id, f.department_id, f.key): f
            for f in TodayFigure.objects.filter(day=today)
        }
    else:
        since, current = day_start, {}
        TodayFigure.objects.filter(day=today).delete()
        mark.components = _codes(today_components())
    counted = _events_before(mark.components, day_start, until, above=mark.watermark)
    added: dict[tuple, TodayFigure] = {}
    changed: list[TodayFigure] = []
    for component in (COMPONENTS[code] for code in mark.components.split(",") if code):
        with linked_before(until):
            rows = list(component.rows(since, until))
        if holds and _linked(component):
            rows.extend(_event_count_of(component).rejudged(day_start, since, until))
        for row in rows:
            key = (component.code, row.institution_id, row.department_id, row.key)
            if key in current:
                current[key].value += row.value
                changed.append(current[key])
            elif key in added:
                added[key].value += row.value
            else:
                added[key] = TodayFigure(
                    institution_id=row.institution_id,
                    department_id=row.department_id,
                    day=today,
                    component=component.code,
                    key=row.key,
                    value=row.value,
                )
    TodayFigure.objects.bulk_update(set(changed), ["value"], batch_size=5000)
    TodayFigure.objects.bulk_create(list(added.values()), batch_size=5000)
    mark.until, mark.events, mark.refreshed_at = until, counted, now
    mark.save(
        update_fields=[
            "until",
            "events",
            "components",
            "refreshed_at",
            "watermark",
        ]
    )
    return mark


def _today_rows(today: dt.date, end: dt.date) -> list[tuple[str, Row]]:
    """Every component row of today and the days ahead up to `end`: today's rows up to the mark
    (advanced first when it is a step behind or no longer holds), the records after it, and the
    components read raw, each in one read over today and the days ahead unless its records are
    dated when they happened."""
    day_start, day_end = day_bounds(today, today + dt.timedelta(days=1))
    mark = TodayMark.objects.filter(day=today).first()
    step = _step_before(clock.now(), day_start)
    if mark is None or mark.until < step or not _mark_holds(mark, day_start):
        advance_today(step)
    with transaction.atomic():
        # The mark is locked while its rows are read, so no advance slips in between.
        mark = TodayMark.objects.select_for_update().get(day=today)
        found = [
            (f.component, Row(f.institution_id, f.department_id, f.day, f.key, f.value))
            for f in TodayFigure.objects.filter(day=today)
        ]
    marked = [COMPONENTS[code] for code in sorted(mark.components.split(",")) if code]
    found.extend(_rows_of(marked, mark.until, day_end))
    linked = [component for component in marked if _linked(component)]
    if linked and _linked_since(linked, mark.until):
        for component in linked:
            rejudged = _event_count_of(component).rejudged(day_start, mark.until, None)
            found.extend((component.code, row) for row in rejudged)
    tomorrow = today + dt.timedelta(days=1)
    if tomorrow < end:  # events have not happened there yet: one look-up skips them all
        found.extend(_rows_of([c for c in marked if not c.happened], tomorrow, end))
    unmarked = [c for c in ROLLED_UP if c.code not in {m.code for m in marked}]
    found.extend(_rows_of([c for c in unmarked if c.happened], today, tomorrow))
    found.extend(_rows_of([c for c in unmarked if not c.happened], today, end))
    return found


def _linked_since(components: list[Component], since: dt.datetime) -> bool:
    """Whether a record any of these counts links to was recorded since the mark: the event
    links in one indexed look-up, the others one each."""
    links = {link for component in components for link in _linked(component)}
    kinds = sorted({kind for link in links for kind in link.kinds})
    if kinds and DomainEvent.objects.filter(kind__in=kinds, occurred_at__gte=since).exists():
        return True
    return any(link.recorded(since, None).exists() for link in links if not link.kinds)


def _rows_of(components, start: dt.date, end: dt.date) -> list[tuple[str, Row]]:
    """The components' rows over start … end (days or instants). Components counted from events
    are skipped together when no event of their kinds occurred then (days ahead, the quiet end
    of today): one indexed look-up instead of a query each."""
    counted = [c for c in components if _event_count_of(c) is not None]
    kinds = sorted({kind for c in counted for kind in _kinds_of(_event_count_of(c))})
    since, until = day_bounds(start, end)
    any_event = (
        bool(kinds)
        and DomainEvent.objects.filter(
            kind__in=kinds, occurred_at__gte=since, occurred_at__lt=until
        ).exists()
    )
    return [
        (component.code, row)
        for component in components
        if any_event or _event_count_of(component) is None
        for row in component.rows(start, end)
    ]


# What this read already computed: raw rows by (start, end), live values by ("live", component,
# scope); see `one_read`.
_READ: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metrics_read", default=None)


@contextmanager
def one_read() -> Iterator[None]:
    """Within the block, the days not rolled up (today above all) are computed once, however
    many figures, trends and breakdowns read them (a dashboard page), and PostgreSQL plans each
    statement for its own values (D279)."""
    token, reads, episodes = _READ.set({}), READS.set({}), EPISODE_READS.set({})
    try:
        with _custom_plans():
            yield
    finally:
        EPISODE_READS.reset(episodes)
        READS.reset(reads)
        _READ.reset(token)


@contextmanager
def _custom_plans() -> Iterator[None]:
    """PostgreSQL plans every statement of the block for the values it is given (D279).

    A connection prepares a statement the fifth time it runs it (settings, D18), and from the
    tenth run PostgreSQL may switch to a generic plan that does not know the values. For the
    indicators' reads that is wrong by orders of magnitude: "an event of these kinds since 17:00"
    looks like a third of the table to a generic plan, which then scans all of it (1.8 s a page
    at 10 M events, from a connection's tenth dashboard on). The booking paths keep generic
    plans: their statements cost alike whatever the values."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET plan_cache_mode")
        except DatabaseError:
            # The transaction failed inside the block: its rollback undoes the SET with it (it
            # ran in that transaction, since an autocommit connection cannot be left failed).
            pass


def _raw_rows(start: dt.date, end: dt.date) -> list[tuple[str, Row]]:
    """Component rows of days not rolled up, start … end (exclusive); today through its mark."""
    memo = _READ.get()
    if memo is not None and (start, end) in memo:
        return memo[start, end]
    today = clock.today()
    found: list[tuple[str, Row]] = []
    if start < min(end, today):
        found.extend(_rows_of(ROLLED_UP, start, min(end, today)))
    if start <= today < end:
        read_capacity(today, end)  # today and the days ahead: the slot pools read once
        found.extend(_today_rows(today, end))
    elif today < start:  # wholly ahead: nothing has happened there yet
        found.extend(_rows_of([c for c in ROLLED_UP if not c.happened], start, end))
    if memo is not None:
        memo[start, end] = found
    return found


# ---------------------------------------------------------------------------------------------
# Scope and permission


@dataclass(frozen=True)
class ResolvedScope:
    institution: Institution
    department: Department | None
    scope: Scope


def resolve_scope(
    *, actor: Actor, institution_id: int | None = None, department_id: int | None = None
) -> ResolvedScope:
    """The institution (with its subtree) and department a figure is asked for. Staff see their
    own institution and those below it; an unknown one is a clear error."""
    actor.require_perm(VIEW_PERM)
    own = actor.institution_id
    wanted = institution_id if institution_id is not None else own
    institution = Institution.objects.filter(pk=wanted).first()
    if institution is None:
        raise NotFound(_("No such institution."), code="unknown_institution")
    subtree = tuple(institution_subtree_ids(institution.pk))
    if own is not None and institution.pk not in institution_subtree_ids(own):
        # Outside the caller's subtree is the same answer as unknown: 404, as everywhere (D109).
        raise NotFound(_("No such institution."), code="unknown_institution")
    department = None
    if department_id is not None:
        department = Department.objects.filter(pk=department_id, institution=institution).first()
        if department is None:
            raise InvalidInput.field("department", _("No such department in this institution."))
    return ResolvedScope(
        institution, department, Scope(subtree, department.pk if department else None)
    )


# ---------------------------------------------------------------------------------------------
# Component totals


class Totals:
    """Component values of one group: additive ones summed, distinct ones as key sets."""

    def __init__(self) -> None:
        self.sums: dict[str, int] = defaultdict(int)
        self.keys: dict[str, set[str]] = defaultdict(set)

    def add(self, component: str, key: str, value: int) -> None:
        if COMPONENTS[component].distinct:
            self.keys[component].add(key)
        else:
            self.sums[component] += value

    def get(self, component: str) -> int:
        if COMPONENTS[component].distinct:
            return len(self.keys[component])
        return self.sums[component]

    def merge(self, other: Totals) -> None:
        for component, value in other.sums.items():
            self.sums[component] += value
        for component, keys in other.keys.items():
            self.keys[component] |= keys

    @property
    def has_data(self) -> bool:
        return any(self.sums.values()) or any(self.keys.values())


def _raw_ranges(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The runs of days in start … end (exclusive) not rolled up: today, the days ahead (whose
    appointment sources are already out) and days never refreshed."""
    rolled = set(
        RolledUpDay.objects.filter(day__gte=start, day__lt=end).values_list("day", flat=True)
    )
    ranges: list[tuple[dt.date, dt.date]] = []
    day = start
    while day < end:
        if day in rolled:
            day += dt.timedelta(days=1)
            continue
        run_start = day
        while day < end and day not in rolled:
            day += dt.timedelta(days=1)
        ranges.append((run_start, day))
    return ranges


def _in_scope(row: Row, scope: Scope, institutions: frozenset[int]) -> bool:
    return row.institution_id in institutions and (
        scope.department_id is None or row.department_id == scope.department_id
    )


def component_rows(scope: Scope, start: dt.date, end: dt.date) -> Iterable[tuple[str, Row]]:
    """Every component row of the scope in the period: rolled-up days from the rollups (summed
    by month), the other days recomputed from raw records."""
    figures = DailyFigure.objects.filter(
        day__gte=start, day__lt=end, institution_id__in=scope.institution_ids
    )
    if scope.department_id is not None:
        figures = figures.filter(department_id=scope.department_id)
    grouped = (
        figures.annotate(month=TruncMonth("day"))
        .values_list("component", "institution_id", "department_id", "month", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for component, institution_id, department_id, month, key, total in grouped:
        yield component, Row(institution_id, department_id, month, key, total)
    institutions = frozenset(scope.institution_ids)
    for run_start, run_end in _raw_ranges(start, end):
        for code, row in _raw_rows(run_start, run_end):
            if _in_scope(row, scope, institutions):
                yield code, row


def recomputed_totals(scope: Scope, period: Period) -> Totals:
    """The period's components recomputed from the raw records alone, ignoring the rollups and
    today's rows: what every faster read must equal (tests, benchmark)."""
    result = Totals()
    institutions = frozenset(scope.institution_ids)
    for component in ROLLED_UP:
        for row in component.rows(period.start, period.end):
            if _in_scope(row, scope, institutions):
                result.add(component.code, row.key, row.value)
    return result


def totals(scope: Scope, period: Period) -> Totals:
    result = Totals()
    for component, row in component_rows(scope, period.start, period.end):
        result.add(component, row.key, row.value)
    return result


# ---------------------------------------------------------------------------------------------
# Figures


class Status:
    MET = "met"
    MISSED = "missed"
    NO_TARGET = "no_target"  # a value, against a target that only says "rise"
    UNDEFINED = "undefined"  # records in the period, but the denominator is 0
    NO_DATA = "no_data"  # nothing recorded in the period, or the domain is not built


@dataclass(frozen=True)
class Figure:
    metric: Metric
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    status: str

    @property
    def met(self) -> bool | None:
        return {Status.MET: True, Status.MISSED: False}.get(self.status)


def _live(component: str, scope: Scope) -> int | None:
    """Current supply (the consulting rooms, the open beds): the same for every month of a
    read, so counted once per scope within `one_read`."""
    spec = COMPONENTS[component]
    if spec.live is None:
        return None
    memo = _READ.get()
    if memo is None:
        return spec.live(scope)
    key = ("live", component, scope)
    if key not in memo:
        memo[key] = spec.live(scope)
    return memo[key]


def figure(metric: Metric, found: Totals, scope: Scope) -> Figure:
    if not metric.available or not found.has_data:
        return Figure(metric, None, None, None, Status.NO_DATA)
    values = []
    for code in (metric.numerator, metric.denominator):
        live = _live(code, scope)
        values.append(found.get(code) if live is None else live)
    numerator, denominator = values
    value = metric.value(numerator, denominator)
    if value is None:
        status = Status.UNDEFINED
    elif metric.target is None:
        status = Status.NO_TARGET
    else:
        status = Status.MET if metric.met(value) else Status.MISSED
    return Figure(metric, numerator, denominator, value, status)


def figures(scope: Scope, period: Period) -> list[Figure]:
    """Every indicator for the scope and period, in catalogue order."""
    found = totals(scope, period)
    return [figure(metric, found, scope) for metric in METRICS]


def metric_by_code(code: str) -> Metric:
    metric = METRICS_BY_CODE.get(code)
    if metric is None:
        raise NotFound(_("No such indicator."), code="unknown_metric")
    return metric


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    figure: Figure


def trends(scope: Scope, period: Period, months: int = TREND_MONTHS) -> dict[str, list[TrendPoint]]:
    """Each indicator month by month, over the `months` months ending with the period's last."""
    series = trailing_months(period, months)
    by_month: dict[dt.date, Totals] = defaultdict(Totals)
    for component, row in component_rows(scope, series[0].start, series[-1].end):
        by_month[row.day.replace(day=1)].add(component, row.key, row.value)
    return {
        metric.code: [
            TrendPoint(month, figure(metric, by_month[month.start], scope)) for month in series
        ]
        for metric in METRICS
    }


def overview(
    scope: Scope, period: Period, months: int = TREND_MONTHS
) -> tuple[list[Figure], dict[str, list[TrendPoint]]]:
    """`figures` and `trends` of a period from one pass over the trailing months (the
    dashboard's read): the period's figures add up its months."""
    series = trailing_months(period, months)
    if period.start < series[0].start:
        return figures(scope, period), trends(scope, period, months)
    by_month: dict[dt.date, Totals] = defaultdict(Totals)
    for component, row in component_rows(scope, series[0].start, series[-1].end):
        by_month[row.day.replace(day=1)].add(component, row.key, row.value)
    found = Totals()
    for month in period.months():
        found.merge(by_month[month.start])
    trend = {
        metric.code: [
            TrendPoint(month, figure(metric, by_month[month.start], scope)) for month in series
        ]
        for metric in METRICS
    }
    return [figure(metric, found, scope) for metric in METRICS], trend


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    institution_id: int
    department_id: int | None
    figure: Figure


def breakdown(metric: Metric, resolved: ResolvedScope, period: Period) -> list[BreakdownRow]:
    """The drill-down below a figure: each institution directly under the scope's (with its own
    subtree), then each department of the scope's institution."""
    institution = resolved.institution
    children = list(Institution.objects.filter(parent=institution).order_by("code"))
    owner: dict[int, int] = {}
    for child in children:
        for pk in institution_subtree_ids(child.pk):
            owner[pk] = child.pk
    departments = list(Department.objects.filter(institution=institution).order_by("code"))
    by_child: dict[int, Totals] = defaultdict(Totals)
    by_department: dict[int, Totals] = defaultdict(Totals)
    for component, row in component_rows(resolved.scope, period.start, period.end):
        if row.institution_id in owner:
            by_child[owner[row.institution_id]].add(component, row.key, row.value)
        elif row.institution_id == institution.pk:
            by_department[row.department_id].add(component, row.key, row.value)
    rows = [
        BreakdownRow(
            child.name,
            child.pk,
            None,
            figure(metric, by_child[child.pk], Scope(tuple(institution_subtree_ids(child.pk)))),
        )
        for child in children
    ]
    if resolved.department is None:
        rows += [
            BreakdownRow(
                department.name,
                institution.pk,
                department.pk,
                figure(
                    metric, by_department[department.pk], Scope((institution.pk,), department.pk)
                ),
            )
            for department in departments
        ]
    return rows


@transaction.atomic
def records(
    metric: Metric, part: str, resolved: ResolvedScope, period: Period, *, actor: Actor
) -> QuerySet:
    """The records counted in a figure's numerator or denominator. They name patients, so
    looking at them leaves an audit row (R-ORG-3)."""
    if part not in ("numerator", "denominator"):
        raise InvalidInput.field("part", _("Choose numerator or denominator."))
    code = getattr(metric, part)
    if not code:
        raise NotFound(_("This indicator has no data yet."), code="no_data")
    component = COMPONENTS[code]
    found = component.records(resolved.scope, period.start, period.end)
    audit.record(
        actor,
        AuditAction.SEARCH,
        found.model,
        summary=f"records behind {metric.code} {part} {period.code} "
        f"institution {resolved.institution.pk}",
    )
    return found


@dataclass(frozen=True)
class ReportSection:
    institution: Institution
    figures: list[Figure]
    reported: list[ReportedFigure] = field(default_factory=list)  # from returns (R-KPI-3)
    returns: list[FacilityReturn] = field(default_factory=list)  # the institution's own


def periodic_report(resolved: ResolvedScope, period: Period) -> list[ReportSection]:
    """The periodic report institutions submit: every indicator for the scope's institution and
    for each institution below it (each with its own subtree)."""
    institutions = {
        i.pk: i for i in Institution.objects.filter(pk__in=resolved.scope.institution_ids)
    }
    parents = {pk: i.parent_id for pk, i in institutions.items()}
    by_institution: dict[int, Totals] = defaultdict(Totals)
    for component, row in component_rows(resolved.scope, period.start, period.end):
        current: int | None = row.institution_id
        while current in institutions:
            by_institution[current].add(component, row.key, row.value)
            current = parents[current] if current != resolved.institution.pk else None
    order = [resolved.institution.pk] + sorted(
        (pk for pk in institutions if pk != resolved.institution.pk),
        key=lambda pk: institutions[pk].code,
    )
    sections = []
    for pk in order:
        scope = (
            resolved.scope
            if pk == resolved.institution.pk
            else Scope(tuple(institution_subtree_ids(pk)))
        )
        found = by_institution[pk]
        sections.append(
            ReportSection(
                institutions[pk],
                [figure(metric, found, scope) for metric in METRICS],
                reported_figures(scope, period),
                returns_in_scope(Scope((pk,)), period),
            )
        )
    return sections


@dataclass(frozen=True)
class RecordSummary:
    """One record behind a number, whatever its table."""

    id: int
    kind: str
    occurred_at: dt.datetime | None
    institution_id: int | None
    department_id: int | None
    patient_id: int | None
    summary: str


def summarise(record) -> RecordSummary:
    if isinstance(record, DomainEvent):
        details = ", ".join(f"{key}={value}" for key, value in sorted(record.data.items()))
        return RecordSummary(
            record.pk,
            record.kind,
            record.occurred_at,
            record.institution_id,
            record.department_id,
            record.patient_id,
            f"{record.subject_type}:{record.subject_id} {details}",
        )
    if isinstance(record, SlotPool):
        return RecordSummary(
            record.pk,
            f"slot_pool.{record.kind}",
            record.starts_at,
            record.department.institution_id,
            record.department_id,
            None,
            f"{record.slot.session.doctor.name} {record.booked}/{record.capacity}",
        )
    if isinstance(record, Device):
        return RecordSummary(
            record.pk,
            f"device.{record.kind}",
            None,
            record.institution_id,
            None,
            None,
            f"{record.institution.name} · {record.code} {record.room}",
        )
    if isinstance(record, EBill):
        return RecordSummary(
            record.pk,
            "ebill",
            record.issued_at,
            record.institution_id,
            None,
            record.patient_id,
            f"{record.bill_code}-{record.bill_number} {record.total_fen}",
        )
    if isinstance(record, Run):
        return RecordSummary(
            record.pk,
            "emergency.run",
            record.call.received_at,
            record.call.institution_id,
            None,
            record.patient_id,
            f"call {record.call_id} P{record.call.priority} {record.call.channel} · "
            f"{record.ambulance.call_sign}",
        )
    return RecordSummary(
        record.pk,
        "clinic",
        None,
        record.department.institution_id,
        record.department_id,
        None,
        f"{record.department.name} · {record.name}",
    )


class RecordSummaries:
    """A queryset's records as summaries, sliced lazily (for pagination)."""

    def __init__(self, records: QuerySet) -> None:
        self.records = records

    def count(self) -> int:
        return self.records.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[RecordSummary]:
        return [summarise(record) for record in self.records[index]]


def record_summaries(records: QuerySet) -> RecordSummaries:
    return RecordSummaries(records)


# ---------------------------------------------------------------------------------------------
# Facility returns (R-KPI-3): entered by institutions, shown beside the computed figures

ENTER_RETURNS_PERM = "metrics.enter_facility_returns"


@dataclass(frozen=True)
class ReportedFigure:
    """A figure computed from institutions' returns: as `Figure`, plus who reported."""

    metric: returns.ReportedMetric
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    status: str
    reporting: int  # institutions whose return is counted
    expected: int  # institutions of the levels in the scope
    last_entry: FacilityReturn | None


def _reported_status(metric: Metric, value: Decimal | None) -> str:
    if value is None:
        return Status.UNDEFINED
    if metric.target is None:
        return Status.NO_TARGET
    return Status.MET if metric.met(value) else Status.MISSED


def reported_figure(
    metric: returns.ReportedMetric, expected: list[int], found: dict[int, FacilityReturn]
) -> ReportedFigure:
    """The figure of the returns `found` of the institutions `expected` to report."""
    last = max(found.values(), key=lambda r: (r.entered_at, r.pk), default=None)
    if not found:
        return ReportedFigure(metric, None, None, None, Status.NO_DATA, 0, len(expected), None)
    achieved = sum(r.achieved for r in found.values())
    if metric.aggregate == returns.Aggregate.SUM:
        numerator, denominator, value = achieved, None, Decimal(achieved)
    else:
        # An institution that has not reported counts against the target, not out of it.
        denominator = (
            sum(r.of or 0 for r in found.values())
            if metric.aggregate == returns.Aggregate.PARTS
            else len(expected)
        )
        numerator, value = achieved, metric.value(achieved, denominator)
    return ReportedFigure(
        metric,
        numerator,
        denominator,
        value,
        _reported_status(metric, value),
        len(found),
        len(expected),
        last,
    )


def reported_figures(scope: Scope, period: Period) -> list[ReportedFigure]:
    """Every reported figure of the scope, from one read of its institutions and one of their
    standing returns."""
    levels = dict(
        Institution.objects.filter(pk__in=scope.institution_ids).values_list("pk", "level")
    )
    standing = returns.latest_returns_of(
        {metric.item for metric in returns.REPORTED}, levels, period.end
    )
    figures = []
    for metric in returns.REPORTED:
        expected = [pk for pk, level in levels.items() if level in metric.levels]
        found = standing.get(metric.item, {})
        figures.append(
            reported_figure(metric, expected, {pk: found[pk] for pk in expected if pk in found})
        )
    return figures


def returns_in_scope(scope: Scope, period: Period) -> list[FacilityReturn]:
    """The standing returns behind the reported figures, for the report's list."""
    standing = returns.latest_returns_of(
        [item.code for item in returns.ITEMS], scope.institution_ids, period.end
    )
    entries = [entry for by_institution in standing.values() for entry in by_institution.values()]
    return sorted(entries, key=lambda r: (r.institution_id, r.item))


def reported_open_beds(institution_ids: tuple[int, ...]) -> int:
    """Open beds as the institutions last reported them: bed turnover's default source."""
    standing = returns.latest_returns(
        "open_beds", institution_ids, clock.today() + dt.timedelta(days=1)
    )
    return sum(entry.achieved for entry in standing.values())


def open_beds_from_wards(institution_ids: tuple[int, ...]) -> int:
    """The beds of the wards the inpatient domain holds; an institution without wards there
    counts what it last reported (bed turnover's denominator, issue 25)."""
    beds, with_wards = inpatient_queries.open_beds(institution_ids)
    others = tuple(pk for pk in institution_ids if pk not in with_wards)
    return beds + (reported_open_beds(others) if others else 0)


def _return_errors(item: returns.ReturnItem | None, achieved, of) -> list:
    errors = []
    if item is None:
        return [FieldError("item", _("Choose an item."), "unknown")]
    if not isinstance(achieved, int) or isinstance(achieved, bool) or achieved < 0:
        errors.append(FieldError("achieved", _("Enter a whole number, 0 or more."), "invalid"))
    elif item.kind == returns.Kind.YES_NO and achieved not in (0, 1):
        errors.append(FieldError("achieved", _("Answer yes or no."), "invalid"))
    if item.kind == returns.Kind.PART_OF:
        if not isinstance(of, int) or isinstance(of, bool) or of < 0:
            errors.append(FieldError("of", _("Enter a whole number, 0 or more."), "invalid"))
        elif isinstance(achieved, int) and achieved > of:
            errors.append(FieldError("achieved", _("Cannot be more than the whole."), "invalid"))
    return errors


def _whole(item: returns.ReturnItem, of: int | None) -> int | None:
    """What the achieved figure is out of: the given whole, 1 for a yes/no, none for a count."""
    return {returns.Kind.PART_OF: of, returns.Kind.YES_NO: 1}.get(item.kind)


@transaction.atomic
def enter_facility_return(
    *, item: str, period: str, achieved: int, of: int | None = None, note: str = "", actor: Actor
) -> FacilityReturn:
    """The institution's return for an item and period; a second one for the same period
    corrects the first, which stays on record."""
    actor.require_perm(ENTER_RETURNS_PERM)
    spec = returns.ITEMS_BY_CODE.get(item)
    errors = _return_errors(spec, achieved, of)
    try:
        reporting_period = parse_period(period)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    institution = Institution.objects.filter(pk=actor.institution_id).first()
    if spec is not None and institution is not None and institution.level not in spec.levels:
        errors.append(FieldError("item", _("Your institution does not report this."), "level"))
    if errors:
        raise InvalidInput(*errors)
    entry = FacilityReturn.objects.create(
        institution_id=institution.pk,
        item=item,
        period_code=reporting_period.code,
        period_start=reporting_period.start,
        period_end=reporting_period.end,
        achieved=achieved,
        of=_whole(spec, of),
        note=note.strip()[:200],
        entered_by=actor.label[:150],
        entered_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        entry,
        summary=f"facility return {item} {reporting_period.code}: {achieved}/{entry.of}",
    )
    return entry


def returns_of_institution(*, actor: Actor) -> list[FacilityReturn]:
    """The returns the caller's institution entered, newest first (its page)."""
    actor.require_perm(ENTER_RETURNS_PERM)
    return list(
        FacilityReturn.objects.filter(institution_id=actor.institution_id).order_by(
            "-entered_at", "-pk"
        )[:200]
    )
