"""Every monitoring indicator (R-KPI-1, R-KPI-2), defined once: its name, formula, the components
its numerator and denominator are counted from, its target from the policy documents and the
target's direction, its unit.

A component is a count or sum over operational records, split by institution, department and
day: the domain-event log (`core.events.EventKind`, the contract with the emitting domains) or a
supply-side read of the owning app (slot pools from scheduling, consulting rooms from the
consortium). Rollups store the daily components; a figure is numerator ÷ denominator over the
period. Indicators whose domain is not built yet are listed with no data, never as 0%.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, TypeVar

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, ExtractHour, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onetrip.consortium import queries as consortium
from onetrip.consortium.models import PRIMARY_CARE_LEVELS, InstitutionLevel
from onetrip.core.events import EventKind
from onetrip.core.models import DomainEvent
from onetrip.ebills import services as ebills
from onetrip.emergency import queries as emergency
from onetrip.emergency.models import AreaType
from onetrip.exams import queries as exams
from onetrip.inpatient import queries as inpatient
from onetrip.journey import services as journey
from onetrip.metrics.models import NO_DEPARTMENT
from onetrip.pharmacy import queries as pharmacy
from onetrip.prescribing import queries as prescribing
from onetrip.publichealth import indicators as publichealth
from onetrip.scheduling import queries as scheduling
from onetrip.scheduling.models import PoolKind
from onetrip.service import queries as service

# Peak registration hours for the "≤ 3 minutes at peak" target (R-APPT-7): the morning rush.
PEAK_HOURS = (8, 9)
# Outpatient settlement modes, and those that spare the patient a cashier queue (智慧结算).
OUTPATIENT_MODES = ("in_clinic", "kiosk", "mobile", "window", "pay_later")
SMART_MODES = ("in_clinic", "kiosk", "mobile")


T = TypeVar("T")


class Row(NamedTuple):
    institution_id: int
    department_id: int
    day: dt.date
    key: str
    value: int


@dataclass(frozen=True)
class Scope:
    """Where a figure is counted: institutions (one and its subtree) and optionally a department."""

    institution_ids: tuple[int, ...]
    department_id: int | None = None


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware Asia/Shanghai instants of the days start … end (exclusive). Instants are taken as
    they are: part of today is counted that way (D94)."""
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        return start, end
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )


def _tallied(
    read: Callable[[dt.datetime, dt.datetime], Iterable[T]],
    tally: Callable[[T], tuple[int, dt.date, int]],
) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    """Rows of the records another domain reads over a span, tallied per institution and day (no
    department): each record adds the value `tally` gives it with its institution and day."""

    def rows(start: dt.date, end: dt.date) -> Iterable[Row]:
        grouped: dict[tuple[int, dt.date], int] = defaultdict(int)
        for record in read(*day_bounds(start, end)):
            institution_id, day, value = tally(record)
            grouped[institution_id, day] += value
        for (institution_id, day), value in sorted(grouped.items()):
            if value:
                yield Row(institution_id, NO_DEPARTMENT, day, "", value)

    return rows


@dataclass(frozen=True)
class Component:
    """A count or sum over records, per institution, department and day.

    `distinct` components count distinct keys over a period (the consulting rooms that settled
    at least once) instead of adding daily values. `rolled_up` components are stored in daily
    rollups; the others are current supply read live (the consulting rooms that exist)."""

    code: str
    source: Promise
    rows: Callable[[dt.date, dt.date], Iterable[Row]]
    records: Callable[[Scope, dt.date, dt.date], QuerySet] | None = None
    distinct: bool = False
    rolled_up: bool = True
    live: Callable[[Scope], int] | None = None
    # Its records are dated when they happened (a complaint closed, a stay discharged), never
    # ahead of now: the days ahead of the current month are not read for it.
    happened: bool = False


# Linked records (below) recorded at or after this moment are left out of a count: today's marked
# part is counted as it stood at the mark (D204). Unset: every record counts.
LINKED_BEFORE: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "linked_before", default=None
)


@contextmanager
def linked_before(moment: dt.datetime | None) -> Iterator[None]:
    token = LINKED_BEFORE.set(moment)
    try:
        yield
    finally:
        LINKED_BEFORE.reset(token)


def _as_of(records: QuerySet, time_field: str = "occurred_at") -> QuerySet:
    moment = LINKED_BEFORE.get()
    return records if moment is None else records.filter(**{f"{time_field}__lt": moment})


@dataclass(frozen=True, eq=False)
class Link:
    """Records another than the counted event that decide whether it counts (the referral
    holding a visit's booking, the e-bill of a settlement), joined on one `data` field of the
    counted event. `recorded` gives the join values of those recorded since … until (no end:
    up to now), so that today's marked part is re-judged for the events they name alone; the
    mark counts them (`kinds` when they are events) so that a late one is noticed (D204)."""

    field: str
    recorded: Callable[[dt.datetime, dt.datetime | None], QuerySet]
    kinds: tuple[EventKind, ...] = ()

    def count(self, since: dt.datetime, until: dt.datetime) -> int:
        return self.recorded(since, until).count()


def event_link(field: str, *kinds: EventKind) -> Link:
    def recorded(since: dt.datetime, until: dt.datetime | None) -> QuerySet:
        events = DomainEvent.objects.filter(kind__in=kinds, occurred_at__gte=since)
        if until is not None:
            events = events.filter(occurred_at__lt=until)
        return events.values_list(KT(f"data__{field}"), flat=True)

    return Link(field, recorded, kinds)


@dataclass(frozen=True)
class EventCount:
    """Events of one kind (optionally narrowed), counted or with a data field summed. A count
    whose narrowing reads other records names them in `links`."""

    kind: EventKind | tuple[EventKind, ...]
    narrow: Callable[[QuerySet], QuerySet] = lambda events: events
    sum_of: str | None = None  # a `data` field holding whole numbers
    key_of: str | None = None  # a `data` field whose distinct values are counted
    links: tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        # A re-judged event changes a daily value by a difference; distinct keys do not add up.
        assert not (self.links and self.key_of), "a linked count cannot count distinct keys"

    def events(self, start: dt.date, end: dt.date) -> QuerySet:
        since, until = day_bounds(start, end)
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return self.narrow(
            DomainEvent.objects.filter(
                kind__in=kinds,
                occurred_at__gte=since,
                occurred_at__lt=until,
                institution_id__isnull=False,
            )
        )

    def rows(self, start: dt.date, end: dt.date) -> Iterable[Row]:
        return self._grouped(self.events(start, end))

    def rejudged(
        self, day_start: dt.datetime, mark: dt.datetime, until: dt.datetime | None
    ) -> Iterable[Row]:
        """What the events before the mark add or lose once the linked records recorded since
        the mark (until `until`, or now) are read: the events they name counted with the records
        up to `until`, less counted with the records before the mark."""
        (field,) = {link.field for link in self.links}  # the links of a count share its field
        recorded = [link.recorded(mark, until) for link in self.links]
        if not any(values.exists() for values in recorded):
            return []  # the usual read: nothing linked since the mark, one indexed look-up each
        named = Q()
        for values in recorded:
            named |= Q(linked_value__in=values)
        changed: dict[tuple, int] = defaultdict(int)
        for moment, sign in ((until, 1), (mark, -1)):
            with linked_before(moment):
                events = self.events(day_start, mark).annotate(linked_value=KT(f"data__{field}"))
                for row in self._grouped(events.filter(named)):
                    changed[row[:4]] += sign * row.value
        return [Row(*key, value) for key, value in changed.items() if value]

    def _grouped(self, events: QuerySet) -> Iterable[Row]:
        value = (
            Sum(Cast(KT(f"data__{self.sum_of}"), IntegerField())) if self.sum_of else Count("id")
        )
        grouped = (
            events.annotate(
                day=TruncDate("occurred_at"),
                department=Coalesce("department_id", Value(NO_DEPARTMENT)),
                key=KT(f"data__{self.key_of}") if self.key_of else Value(""),
            )
            .values_list("institution_id", "department", "day", "key")
            .annotate(value=value)
            .order_by()
        )
        for institution_id, department_id, day, key, total in grouped:
            if total:
                yield Row(institution_id, department_id, day, key or "", total)

    def records(self, scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        events = self.events(start, end).filter(institution_id__in=scope.institution_ids)
        if scope.department_id is not None:
            events = events.filter(department_id=scope.department_id)
        return events.order_by("occurred_at", "id")


def event_component(code: str, source: Promise, count: EventCount, **options) -> Component:
    return Component(code, source, rows=count.rows, records=count.records, **options)


def _booked(events: QuerySet) -> QuerySet:
    return events.filter(data__booking_id__isnull=False).exclude(data__booking_id=None)


# County hospitals and above, where referred visits are counted (R-REF-2), and the primary-care
# levels whose sources are all online (R-APPT-8).
HOSPITAL_LEVELS = (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)


def _at_hospitals(events: QuerySet) -> QuerySet:
    return events.filter(institution_id__in=consortium.institutions_at_levels(HOSPITAL_LEVELS))


def _came_by_referral(events: QuerySet) -> QuerySet:
    """Visits whose booking an upward referral holds: booked with it (referral.sent) or moved
    to it by the green channel (referral.answered). A primary-care-pool booking with no
    referral is a booking, not a referral."""
    upward_bookings = (
        _as_of(
            DomainEvent.objects.filter(
                kind__in=(EventKind.REFERRAL_SENT, EventKind.REFERRAL_ANSWERED),
                data__direction="up",
            )
        )
        .annotate(booking=KT("data__booking_id"))
        .filter(booking=OuterRef("booking"))
    )
    return _booked(events).annotate(booking=KT("data__booking_id")).filter(Exists(upward_bookings))


def _upward(events: QuerySet) -> QuerySet:
    return events.filter(data__direction="up")


def _pool_rows_at(kinds: tuple[str, ...] | None, levels: tuple[str, ...]):
    """Open capacity of institutions of these levels only."""
    rows = _pool_rows(kinds)

    def at_levels(start: dt.date, end: dt.date) -> Iterable[Row]:
        wanted = set(_institution_ids_at(levels))
        return (row for row in rows(start, end) if row.institution_id in wanted)

    return at_levels


def _pool_records_at(kinds: tuple[str, ...] | None, levels: tuple[str, ...]):
    records = _pool_records(kinds)

    def at_levels(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        wanted = set(_institution_ids_at(levels))
        ids = tuple(pk for pk in scope.institution_ids if pk in wanted)
        return records(Scope(ids, scope.department_id), start, end)

    return at_levels


def _peak(events: QuerySet) -> QuerySet:
    return events.annotate(hour=ExtractHour("occurred_at")).filter(hour__in=PEAK_HOURS)


# City public hospitals (城市公立医院), where the appointment rate is counted (R-APPT-9, seed 002
# table 1.1: "预约（转诊）占城市公立医院门诊比例达到 15%"): the consortium's city-level hospital.
CITY_HOSPITAL_LEVELS = (InstitutionLevel.TERTIARY,)
# Bookings made where the patient stands on the day: a same-day registration there is not an
# appointment (预约); one made there for a later day is.
ON_SITE_BOOKING_CHANNELS = ("window", "kiosk")


def _at_city_hospitals(events: QuerySet) -> QuerySet:
    return events.filter(institution_id__in=consortium.institutions_at_levels(CITY_HOSPITAL_LEVELS))


def _appointments(events: QuerySet) -> QuerySet:
    """Visits that came by appointment (预约, referrals included): booked before the visit day
    through any channel, or on the day through an appointment channel (the app, the phone, a
    primary-care referral, the consulting room). A walk-in, or a same-day registration at a
    window or kiosk, is not an appointment (D91)."""
    same_day_on_site = (
        _as_of(
            DomainEvent.objects.filter(
                kind=EventKind.APPOINTMENT_BOOKED,
                data__booking_channel__in=ON_SITE_BOOKING_CHANNELS,
            )
        )
        .annotate(booking=KT("data__booking_id"), booked_on=TruncDate("occurred_at"))
        .filter(booking=OuterRef("booking"), booked_on=OuterRef("visit_day"))
    )
    return (
        _booked(events)
        # Not data__contains (PostgreSQL only) and not exclude(data__walk_in=True), which drops
        # the events without the key as well (NULL); events carry the key only sometimes.
        .filter(~Q(data__has_key="walk_in") | Q(data__walk_in=False))
        .annotate(booking=KT("data__booking_id"), visit_day=TruncDate("occurred_at"))
        .exclude(Exists(same_day_on_site))
    )


def _exams_done(events: QuerySet) -> QuerySet:
    """Exams done at county hospitals and above, every item the platform orders (lab tests
    too: blood draws are booked to time slots as well): started after check-in on a booking
    (exam.started), or done without one — their first report filed with no start on record
    (report.filed version 1) (D92)."""
    started = _as_of(DomainEvent.objects.filter(kind=EventKind.EXAM_STARTED)).annotate(
        order=KT("data__order_id")
    )
    return (
        _at_hospitals(events)
        .annotate(order=KT("data__order_id"))
        .exclude(
            Q(kind=EventKind.REPORT_FILED)
            & (
                ~Q(data__has_key="version")
                | ~Q(data__version=1)
                | Exists(started.filter(order=OuterRef("order")))
            )
        )
    )


def _time_slotted(events: QuerySet) -> QuerySet:
    slotted = (
        _as_of(DomainEvent.objects.filter(kind=EventKind.EXAM_BOOKED, data__time_slotted=True))
        .annotate(order=KT("data__order_id"))
        .filter(order=OuterRef("order"))
    )
    return _exams_done(events).filter(Exists(slotted))


def _in_hospital_room(events: QuerySet) -> QuerySet:
    return (
        _at_hospitals(events)
        .filter(data__mode="in_clinic", data__clinic_id__isnull=False)
        .exclude(data__clinic_id=None)
    )


def _waited(events: QuerySet) -> QuerySet:
    return events.filter(data__waited_minutes__isnull=False).exclude(data__waited_minutes=None)


def _outpatient(events: QuerySet) -> QuerySet:
    return events.filter(data__mode__in=OUTPATIENT_MODES)


def _smart(events: QuerySet) -> QuerySet:
    return events.filter(data__mode__in=SMART_MODES)


def _hospitals_of(scope: Scope) -> tuple[int, ...]:
    hospitals = set(_institution_ids_at(HOSPITAL_LEVELS))
    return tuple(pk for pk in scope.institution_ids if pk in hospitals)


# What one read of the indicators already looked up (`services.one_read` sets it; D94): the open
# capacity of a span by kind and its sums by kinds, the institutions of some levels.
READS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metrics_reads", default=None)


def _institution_ids_at(levels: tuple[str, ...]) -> list[int]:
    """The institutions of these levels (configuration), looked up once a read."""
    memo = READS.get()
    if memo is None:
        return consortium.institution_ids_at(levels)
    key = ("levels", levels)
    if key not in memo:
        memo[key] = consortium.institution_ids_at(levels)
    return memo[key]


def read_capacity(start: dt.date, end: dt.date) -> list[tuple[int, int, dt.date, str, int]]:
    """Open capacity by institution, department, day and kind over start … end (exclusive); a
    span already read in this read is sliced instead of read again."""
    memo = READS.get()
    if memo is None:
        return scheduling.open_capacity_by_day_and_kind(start, end)
    for key, found in memo.items():
        if key[0] == "read" and key[1] <= start and end <= key[2]:
            return [row for row in found if start <= row[2] < end]
    found = memo["read", start, end] = scheduling.open_capacity_by_day_and_kind(start, end)
    return found


def _capacity_rows(kinds: tuple[str, ...] | None, start: dt.date, end: dt.date) -> list[Row]:
    totals: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    for institution_id, department_id, day, kind, capacity in read_capacity(start, end):
        if kinds is None or kind in kinds:
            totals[institution_id, department_id, day] += capacity
    return [
        Row(institution_id, department_id, day, "", capacity)
        for (institution_id, department_id, day), capacity in totals.items()
        if capacity
    ]


def _pool_rows(kinds: tuple[str, ...] | None) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    def rows(start: dt.date, end: dt.date) -> Iterable[Row]:
        """Summed once per kinds and span within a read: several components share them."""
        memo = READS.get()
        if memo is None:
            return _capacity_rows(kinds, start, end)
        key = ("rows", kinds, start, end)
        if key not in memo:
            memo[key] = _capacity_rows(kinds, start, end)
        return memo[key]

    return rows


def _pool_records(kinds: tuple[str, ...] | None):
    def records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return scheduling.open_pools(
            start,
            end,
            kinds=kinds,
            institution_ids=scope.institution_ids,
            department_id=scope.department_id,
        )

    return records


ONLINE_POOLS = (PoolKind.SHARED_ONLINE, PoolKind.PRIMARY_CARE)
CHECK_IN = EventCount(EventKind.VISIT_CHECKED_IN)
CALLED = EventCount(EventKind.VISIT_CALLED, narrow=_waited)
CALLED_PEAK = EventCount(EventKind.VISIT_CALLED, narrow=lambda e: _at_hospitals(_peak(_waited(e))))
SETTLED = EventCount(EventKind.PAYMENT_SETTLED, narrow=_outpatient)
# The records the joined counts read, so today's marked part is re-judged when one arrives (D204).
REFERRAL_LINK = event_link("booking_id", EventKind.REFERRAL_SENT, EventKind.REFERRAL_ANSWERED)
BOOKING_LINK = event_link("booking_id", EventKind.APPOINTMENT_BOOKED)
EXAM_START_LINK = event_link("order_id", EventKind.EXAM_STARTED)
EXAM_BOOKING_LINK = event_link("order_id", EventKind.EXAM_BOOKED)
EBILL_LINK = Link("settlement_id", ebills.settlements_given_ebill)
EXAMS_DONE = EventCount(
    (EventKind.EXAM_STARTED, EventKind.REPORT_FILED), narrow=_exams_done, links=(EXAM_START_LINK,)
)

COMPONENTS: dict[str, Component] = {
    c.code: c
    for c in (
        event_component("visits", _("visits checked in (visit.checked_in)"), CHECK_IN),
        event_component(
            "city_visits",
            _("outpatient visits at city public hospitals (visit.checked_in)"),
            EventCount(EventKind.VISIT_CHECKED_IN, narrow=_at_city_hospitals),
        ),
        event_component(
            "city_appointment_visits",
            _(
                "of those, visits by appointment, referrals included: booked before the visit "
                "day, or on the day by app, phone, referral or in the consulting room; not "
                "walk-ins or same-day registrations at a window or kiosk"
            ),
            EventCount(
                EventKind.VISIT_CHECKED_IN,
                narrow=lambda e: _appointments(_at_city_hospitals(e)),
                links=(BOOKING_LINK,),
            ),
        ),
        event_component("called_visits", _("visits called (visit.called)"), CALLED),
        event_component(
            "waited_minutes",
            _("minutes from check-in to call, summed (visit.called waited_minutes)"),
            EventCount(EventKind.VISIT_CALLED, narrow=_waited, sum_of="waited_minutes"),
        ),
        event_component(
            "peak_called_visits",
            _("visits called 8:00–10:00 at county hospitals and above (visit.called)"),
            CALLED_PEAK,
        ),
        event_component(
            "peak_waited_minutes",
            _(
                "minutes from check-in to call of visits called 8:00–10:00 at county hospitals "
                "and above, summed"
            ),
            EventCount(
                EventKind.VISIT_CALLED,
                narrow=lambda e: _at_hospitals(_peak(_waited(e))),
                sum_of="waited_minutes",
            ),
        ),
        Component(
            "slots",
            _("open appointment sources (slot pool capacity, scheduling)"),
            rows=_pool_rows(None),
            records=_pool_records(None),
        ),
        Component(
            "online_slots",
            _("sources in the online and primary-care pools (scheduling)"),
            rows=_pool_rows(ONLINE_POOLS),
            records=_pool_records(ONLINE_POOLS),
        ),
        Component(
            "primary_care_slots",
            _("sources reserved for primary care (scheduling)"),
            rows=_pool_rows((PoolKind.PRIMARY_CARE,)),
            records=_pool_records((PoolKind.PRIMARY_CARE,)),
        ),
        event_component(
            "exams_done",
            _(
                "exams done at county hospitals and above, booked or not (exam.started; "
                "report.filed of an exam never started on the platform)"
            ),
            EXAMS_DONE,
        ),
        event_component(
            "exams_time_slotted",
            _("of those, exams done on a time-slot booking (exam.booked time_slotted)"),
            EventCount(
                EXAMS_DONE.kind, narrow=_time_slotted, links=(EXAM_START_LINK, EXAM_BOOKING_LINK)
            ),
        ),
        event_component(
            "outpatient_settlements",
            _("outpatient settlements (payment.settled)"),
            SETTLED,
        ),
        event_component(
            "smart_settlements",
            _("outpatient settlements in the consulting room, at a kiosk or by phone"),
            EventCount(EventKind.PAYMENT_SETTLED, narrow=_smart),
        ),
        event_component(
            "rooms_settling",
            _(
                "consulting rooms of county hospitals and above with at least one in-clinic "
                "settlement (payment.settled clinic_id)"
            ),
            EventCount(EventKind.PAYMENT_SETTLED, narrow=_in_hospital_room, key_of="clinic_id"),
            distinct=True,
        ),
        Component(
            "rooms",
            _("consulting rooms of county hospitals and above (clinics, consortium)"),
            rows=lambda start, end: (),
            rolled_up=False,
            live=lambda scope: consortium.clinic_count(
                _hospitals_of(scope), department_id=scope.department_id
            ),
            records=lambda scope, start, end: consortium.clinics_in(
                _hospitals_of(scope), department_id=scope.department_id
            ),
        ),
        # Two-way referral and remote care (R-REF-1/2, R-NET-3, R-APPT-8), from the referral
        # domain's events.
        event_component(
            "hospital_visits",
            _("visits checked in at county hospitals and above (visit.checked_in)"),
            EventCount(EventKind.VISIT_CHECKED_IN, narrow=_at_hospitals),
        ),
        event_component(
            "hospital_referred_visits",
            _(
                "visits checked in at county hospitals and above whose booking an upward "
                "referral holds (referral.sent, referral.answered)"
            ),
            EventCount(
                EventKind.VISIT_CHECKED_IN,
                narrow=lambda e: _came_by_referral(_at_hospitals(e)),
                links=(REFERRAL_LINK,),
            ),
        ),
        event_component(
            "downward_referrals",
            _("downward referrals sent (referral.sent down)"),
            EventCount(EventKind.REFERRAL_SENT, narrow=lambda e: e.filter(data__direction="down")),
        ),
        event_component(
            "upward_referrals_accepted",
            _("upward referrals received and accepted (referral.answered up accepted)"),
            EventCount(
                EventKind.REFERRAL_ANSWERED,
                narrow=lambda e: _upward(e).filter(data__outcome="accepted"),
            ),
        ),
        event_component(
            "referrals_answered",
            _("upward referrals answered by the receiving institution (referral.answered up)"),
            EventCount(EventKind.REFERRAL_ANSWERED, narrow=_upward),
        ),
        event_component(
            "referral_answer_minutes",
            _("minutes from sending to the answer, summed (referral.answered up minutes)"),
            EventCount(EventKind.REFERRAL_ANSWERED, narrow=_upward, sum_of="minutes"),
        ),
        event_component(
            "consultations_answered",
            _("remote consultations and readings answered (consultation.answered)"),
            EventCount(EventKind.CONSULTATION_ANSWERED),
        ),
        event_component(
            "consultation_minutes",
            _("minutes from request to answer, summed (consultation.answered minutes)"),
            EventCount(EventKind.CONSULTATION_ANSWERED, sum_of="minutes"),
        ),
        Component(
            "primary_care_level_slots",
            _("open sources of township, community and island institutions (scheduling)"),
            rows=_pool_rows_at(None, PRIMARY_CARE_LEVELS),
            records=_pool_records_at(None, PRIMARY_CARE_LEVELS),
        ),
        Component(
            "primary_care_level_online_slots",
            _("of those, sources in the online pools (scheduling)"),
            rows=_pool_rows_at(ONLINE_POOLS, PRIMARY_CARE_LEVELS),
            records=_pool_records_at(ONLINE_POOLS, PRIMARY_CARE_LEVELS),
        ),
    )
}
# --- R-KPI-3 (issue 24): the seeds' further indicators --------------------------------------

# What "primary care" counts here, in seed 002's words:
# "基层医疗卫生机构（指社区卫生服务中心和卫生院）".
PRIMARY_CENTRES = (InstitutionLevel.TOWNSHIP, InstitutionLevel.COMMUNITY_CENTRE)
# Seed 002 table 1.3: county hospitals and above open their large equipment to primary care.
HOSPITAL_LEVELS = (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)
BedReader = Callable[[tuple[int, ...]], int]
_bed_readers: dict[bool, BedReader] = {}


def register_open_beds(reader: BedReader, *, default: bool = False) -> None:
    """Who counts the open beds of institutions for bed turnover. The metrics app registers
    the institutions' returns as the default; the inpatient domain, once built, registers its
    wards and replaces it, whatever the order the apps start in (D74)."""
    _bed_readers[default] = reader


def open_beds(scope: Scope) -> int:
    reader = _bed_readers.get(False) or _bed_readers.get(True)
    return reader(scope.institution_ids) if reader else 0


def _at_levels(events: QuerySet, levels: tuple[str, ...]) -> QuerySet:
    return events.filter(institution_id__in=_institution_ids_at(levels))


def _discharged(events: QuerySet) -> QuerySet:
    return events.filter(data__mode="discharge")


def _fees(events: QuerySet) -> QuerySet:
    return events.filter(data__fees=True)


def _with_ebill(events: QuerySet) -> QuerySet:
    return (
        _fees(events)
        .annotate(settlement_ref=KT("data__settlement_id"))
        .filter(settlement_ref__in=Subquery(ebills.settlements_with_ebill(LINKED_BEFORE.get())))
    )


def _large_equipment_for_primary_care(events: QuerySet) -> QuerySet:
    devices = list(exams.hospital_large_equipment().values_list("pk", flat=True))
    return _at_levels(events, HOSPITAL_LEVELS).filter(
        data__device_id__in=devices,
        data__ordering_institution_id__in=_institution_ids_at(PRIMARY_CARE_LEVELS),
    )


def _centre_pool_rows(kinds: tuple[str, ...] | None) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    every_pool = _pool_rows(kinds)

    def rows(start: dt.date, end: dt.date) -> Iterable[Row]:
        centres = set(_institution_ids_at(PRIMARY_CENTRES))
        return (row for row in every_pool(start, end) if row.institution_id in centres)

    return rows


def _centre_pool_records(kinds: tuple[str, ...] | None):
    every_pool = _pool_records(kinds)

    def records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        centres = _institution_ids_at(PRIMARY_CENTRES)
        return every_pool(scope, start, end).filter(department__institution_id__in=centres)

    return records


def _ebill_rows(copied: bool) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    def rows(start: dt.date, end: dt.date) -> Iterable[Row]:
        bills = ebills.self_service_copy_coverage(*day_bounds(start, end))
        if copied:
            bills = bills.filter(copied=True)
        grouped = (
            bills.annotate(day=TruncDate("issued_at"))
            .values_list("institution_id", "day")
            .annotate(value=Count("id"))
            .order_by()
        )
        for institution_id, day, total in grouped:
            yield Row(institution_id, NO_DEPARTMENT, day, "", total)

    return rows


def _ebill_records(copied: bool):
    def records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        bills = ebills.self_service_copy_coverage(*day_bounds(start, end)).filter(
            institution_id__in=scope.institution_ids
        )
        return bills.filter(copied=True) if copied else bills

    return records


def _public_health_rows(facts, counted: bool) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    """Rows of a public-health indicator's facts (institution, day, in the numerator): all of
    them (denominator) or those counted in the numerator."""
    return _tallied(facts, lambda fact: (fact[0], fact[1], 1 if fact[2] or not counted else 0))


def _public_health_records(records, institution_path: str):
    def read(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return records(*day_bounds(start, end)).filter(
            **{f"{institution_path}__in": scope.institution_ids}
        )

    return read


def _maternal_child_records(*, managed_only: bool):
    def read(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return publichealth.maternal_child_people(
            *day_bounds(start, end), scope.institution_ids, managed_only=managed_only
        )

    return read


COMPONENTS.update(
    {
        c.code: c
        for c in (
            Component(
                "programme_doses",
                _("programme doses of the 2021 children's schedule given"),
                rows=_public_health_rows(publichealth.vaccination_facts, counted=False),
                happened=True,
                records=_public_health_records(publichealth.programme_doses, "lot__institution_id"),
            ),
            Component(
                "programme_doses_on_schedule",
                _("those given from the due day to the day before the next month of age"),
                rows=_public_health_rows(publichealth.vaccination_facts, counted=True),
                happened=True,
                records=_public_health_records(publichealth.programme_doses, "lot__institution_id"),
            ),
            Component(
                "aefi_reported",
                _("adverse events following immunisation reported"),
                rows=_public_health_rows(publichealth.aefi_facts, counted=False),
                happened=True,
                records=_public_health_records(
                    publichealth.adverse_events, "dose__lot__institution_id"
                ),
            ),
            Component(
                "aefi_reported_in_time",
                _("those reported within 48 hours of discovery"),
                rows=_public_health_rows(publichealth.aefi_facts, counted=True),
                happened=True,
                records=_public_health_records(
                    publichealth.adverse_events, "dose__lot__institution_id"
                ),
            ),
            Component(
                "hut_readings_out_of_range",
                _("out-of-range readings received from island health huts"),
                rows=_public_health_rows(publichealth.hut_facts, counted=False),
                happened=True,
                records=_public_health_records(
                    publichealth.out_of_range_readings, "device__hut_id"
                ),
            ),
            Component(
                "home_visits_scheduled",
                _("home nursing and home sickbed visits scheduled"),
                rows=_public_health_rows(publichealth.home_visit_facts, counted=False),
                records=_public_health_records(publichealth.home_visits, "order__institution_id"),
            ),
            Component(
                "home_visits_done",
                _("those recorded by the end of the day they were scheduled for"),
                rows=_public_health_rows(publichealth.home_visit_facts, counted=True),
                records=_public_health_records(publichealth.home_visits, "order__institution_id"),
            ),
            Component(
                "mch_people_served",
                _("mothers delivered and children reaching their first, second or third birthday"),
                rows=_public_health_rows(publichealth.maternal_child_facts, counted=False),
                records=_maternal_child_records(managed_only=False),
            ),
            Component(
                "mch_people_managed",
                _(
                    "those registered before 13 weeks with five antenatal checks and both "
                    "postnatal visits, or with that year's 4-2-1 child checks done"
                ),
                rows=_public_health_rows(publichealth.maternal_child_facts, counted=True),
                records=_maternal_child_records(managed_only=True),
            ),
            Component(
                "hut_readings_followed_up",
                _("those followed up by the township doctor within 24 hours"),
                rows=_public_health_rows(publichealth.hut_facts, counted=True),
                happened=True,
                records=_public_health_records(
                    publichealth.out_of_range_readings, "device__hut_id"
                ),
            ),
        )
    }
)

COMPONENTS.update(
    {
        c.code: c
        for c in (
            event_component(
                "discharges",
                _("patients discharged (payment.settled at discharge, one per admission)"),
                EventCount(EventKind.PAYMENT_SETTLED, narrow=_discharged, key_of="bill_id"),
                distinct=True,
            ),
            Component(
                "open_beds",
                _("actual open beds (the institutions' returns until the inpatient domain)"),
                rows=lambda start, end: (),
                rolled_up=False,
                live=open_beds,
            ),
            event_component(
                "primary_care_visits",
                _("visits checked in at township and community health service centres"),
                EventCount(
                    EventKind.VISIT_CHECKED_IN, narrow=lambda e: _at_levels(e, PRIMARY_CENTRES)
                ),
            ),
            Component(
                "centre_slots",
                _("open outpatient sources of township and community health service centres"),
                rows=_centre_pool_rows(None),
                records=_centre_pool_records(None),
            ),
            Component(
                "centre_online_slots",
                _("sources of township and community centres open to online booking"),
                rows=_centre_pool_rows(ONLINE_POOLS),
                records=_centre_pool_records(ONLINE_POOLS),
            ),
            event_component(
                "large_equipment_used_by_primary_care",
                _("large equipment of county hospitals and above booked by primary care"),
                EventCount(
                    EventKind.EXAM_BOOKED,
                    narrow=_large_equipment_for_primary_care,
                    key_of="device_id",
                ),
                distinct=True,
            ),
            Component(
                "large_equipment",
                _("active large equipment (CT, MRI) of county hospitals and above (exams)"),
                rows=lambda start, end: (),
                rolled_up=False,
                live=lambda scope: exams.hospital_large_equipment(scope.institution_ids).count(),
                records=lambda scope, start, end: exams.hospital_large_equipment(
                    scope.institution_ids
                ),
            ),
            event_component(
                "fee_settlements",
                _("settlements of fees (payment.settled fees)"),
                EventCount(EventKind.PAYMENT_SETTLED, narrow=_fees),
            ),
            event_component(
                "fee_settlements_with_ebill",
                _("settlements of fees with their electronic bill issued"),
                EventCount(EventKind.PAYMENT_SETTLED, narrow=_with_ebill, links=(EBILL_LINK,)),
            ),
            Component(
                "ebills",
                _("electronic bills issued (ebills)"),
                rows=_ebill_rows(copied=False),
                happened=True,
                records=_ebill_records(copied=False),
            ),
            Component(
                "ebills_self_served",
                _("electronic bills the patient printed at a kiosk or downloaded on the phone"),
                rows=_ebill_rows(copied=True),
                happened=True,
                records=_ebill_records(copied=True),
            ),
        )
    }
)

# --- R-EMG-2/3 (issue 22): dispatch, response and green-channel clocks, from the runs -----


def _run_rows(figures: Callable[[dt.datetime, dt.datetime], Iterable], seconds: bool):
    """Rows of (institution, day) from the emergency runs: the runs counted, or their seconds."""
    return _tallied(figures, lambda f: (f.institution_id, f.day, f.seconds if seconds else 1))


def _response(area_type: str):
    return lambda since, until: emergency.response_figures(since, until, area_type)


def _clock_rows(met_only: bool) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    return _tallied(
        emergency.clock_figures,
        lambda f: (f.institution_id, f.day, 1 if f.met or not met_only else 0),
    )


def _runs_records(reader: Callable[[dt.datetime, dt.datetime], QuerySet], field: str):
    def records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return reader(*day_bounds(start, end)).filter(**{f"{field}__in": scope.institution_ids})

    return records


COMPONENTS.update(
    {
        c.code: c
        for c in (
            Component(
                "ambulance_runs",
                _("ambulance runs dispatched for the calls taken (emergency)"),
                rows=_run_rows(emergency.dispatch_figures, seconds=False),
                happened=True,
                records=_runs_records(emergency.runs_called, "call__institution_id"),
            ),
            Component(
                "ambulance_dispatch_seconds",
                _("seconds from each call to its dispatch, summed (emergency)"),
                rows=_run_rows(emergency.dispatch_figures, seconds=True),
                happened=True,
                records=_runs_records(emergency.runs_called, "call__institution_id"),
            ),
            Component(
                "city_runs_on_scene",
                _("runs that reached the scene in city-centre zones (emergency)"),
                rows=_run_rows(_response(AreaType.CITY_CENTRE), seconds=False),
                happened=True,
                records=_runs_records(
                    lambda s, u: emergency.runs_on_scene(s, u, AreaType.CITY_CENTRE),
                    "call__institution_id",
                ),
            ),
            Component(
                "city_response_seconds",
                _("seconds from the call to on scene, city-centre zones, summed (emergency)"),
                rows=_run_rows(_response(AreaType.CITY_CENTRE), seconds=True),
                happened=True,
                records=_runs_records(
                    lambda s, u: emergency.runs_on_scene(s, u, AreaType.CITY_CENTRE),
                    "call__institution_id",
                ),
            ),
            Component(
                "county_runs_on_scene",
                _("runs that reached the scene in county-centre zones (emergency)"),
                rows=_run_rows(_response(AreaType.COUNTY_CENTRE), seconds=False),
                happened=True,
                records=_runs_records(
                    lambda s, u: emergency.runs_on_scene(s, u, AreaType.COUNTY_CENTRE),
                    "call__institution_id",
                ),
            ),
            Component(
                "county_response_seconds",
                _("seconds from the call to on scene, county-centre zones, summed (emergency)"),
                rows=_run_rows(_response(AreaType.COUNTY_CENTRE), seconds=True),
                happened=True,
                records=_runs_records(
                    lambda s, u: emergency.runs_on_scene(s, u, AreaType.COUNTY_CENTRE),
                    "call__institution_id",
                ),
            ),
            Component(
                "green_clocks_measured",
                _("green-channel clocks with both ends recorded (emergency timelines)"),
                rows=_clock_rows(met_only=False),
                happened=True,
                records=_runs_records(emergency.runs_with_channel, "destination_id"),
            ),
            Component(
                "green_clocks_met",
                _("of those, clocks that ended within their target"),
                rows=_clock_rows(met_only=True),
                happened=True,
                records=_runs_records(emergency.runs_with_channel, "destination_id"),
            ),
        )
    }
)

# --- R-KPI-2 (issue 13): trips per care episode, and no-shows -------------------------------


# The care episodes of a span, assembled once for both episode components within one read of the
# indicators (`services.one_read` sets it): assembling them is the costliest read of today.
EPISODE_READS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "metrics_episode_reads", default=None
)


def read_episodes(start: dt.date, end: dt.date) -> list[tuple[int, journey.EpisodeTrips]]:
    """The care episodes opened on the days start … end (exclusive), with their trips so far, each
    with the sign it is counted with. Over instants of one day (part of today), the change the
    events of that span made: the episodes concerned as they stand less as they stood (D238)."""
    memo = EPISODE_READS.get()
    if memo is not None and (start, end) in memo:
        return memo[start, end]
    if isinstance(start, dt.datetime):
        # The rest of the day: with everything recorded, as a recomputation of the day reads it.
        day_end = dt.datetime.combine(timezone.localdate(start) + dt.timedelta(1), dt.time())
        rest = end >= timezone.make_aware(day_end)
        change = journey.episodes_changed(since=start, until=None if rest else end)
        found = [(1, e) for e in change.after] + [(-1, e) for e in change.before]
    else:
        found = [(1, e) for e in journey.episode_trips(start=start, end=end - dt.timedelta(1))]
    if memo is not None:
        memo[start, end] = found
    return found


@dataclass(frozen=True)
class EpisodeCount:
    """Care episodes (journey) opened on a day that have had at least one trip, at the
    institution and department of their thread, by the day they opened: each counts 1, or its
    trips so far. An episode with no trip yet (a booking ahead) is left out (D93). Counted into
    today's rows step by step: a step changes only the episodes of the patients with an event
    of `kind` in it (D238)."""

    trips: bool
    kind: tuple[EventKind, ...] = tuple(sorted(journey.EPISODE_KINDS))
    links: tuple[Link, ...] = ()

    def rows(self, start: dt.date, end: dt.date) -> Iterable[Row]:
        grouped: dict[tuple[int, int, dt.date], int] = defaultdict(int)
        for sign, episode in read_episodes(start, end):
            if not episode.trips or episode.institution_id is None:
                continue
            key = (
                episode.institution_id,
                episode.department_id or NO_DEPARTMENT,
                episode.opened_on,
            )
            grouped[key] += sign * (episode.trips if self.trips else 1)
        for (institution_id, department_id, day), value in sorted(grouped.items()):
            if value:
                yield Row(institution_id, department_id, day, "", value)


def _episode_records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
    """The on-site events of the period in the scope: the trips are the patients' days among
    them."""
    since, until = day_bounds(start, end)
    return DomainEvent.objects.filter(
        on_site=True,
        occurred_at__gte=since,
        occurred_at__lt=until,
        institution_id__in=scope.institution_ids,
    ).order_by("occurred_at", "id")


def _attendance_rows(missed: bool) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    def rows(start: dt.date, end: dt.date) -> Iterable[Row]:
        for institution_id, department_id, day, due, absent in scheduling.attendance_by_day(
            start, end
        ):
            value = absent if missed else due
            if value:
                yield Row(institution_id, department_id, day, "", value)

    return rows


def _attendance_records(missed: bool):
    def records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return scheduling.appointments_due(
            start,
            end,
            missed=missed,
            institution_ids=scope.institution_ids,
            department_id=scope.department_id,
        )

    return records


COMPONENTS.update(
    {
        c.code: c
        for c in (
            Component(
                "episodes_travelled",
                _("care episodes opened in the period with at least one trip so far (journey)"),
                rows=EpisodeCount(trips=False).rows,
                records=_episode_records,
            ),
            Component(
                "episode_trips",
                _(
                    "their trips: the distinct days the patient had to be on site, wherever "
                    "(journey)"
                ),
                rows=EpisodeCount(trips=True).rows,
                records=_episode_records,
            ),
            Component(
                "appointments_due",
                _(
                    "bookings for visits in the period that still stood on the visit day "
                    "(scheduling; visit days that have ended)"
                ),
                rows=_attendance_rows(missed=False),
                records=_attendance_records(missed=False),
            ),
            Component(
                "appointments_missed",
                _("of those, bookings never checked in (scheduling)"),
                rows=_attendance_rows(missed=True),
                records=_attendance_records(missed=True),
            ),
            event_component(
                "exams_due",
                _("booked exams the patient came to or missed (exam.checked_in, exam.no_show)"),
                EventCount((EventKind.EXAM_CHECKED_IN, EventKind.EXAM_NO_SHOW)),
            ),
            event_component(
                "exams_missed",
                _("of those, exams the patient did not come to (exam.no_show)"),
                EventCount(EventKind.EXAM_NO_SHOW),
            ),
        )
    }
)

# --- R-SVC-1/2 (issue 21): the service centre ------------------------------------------------

# A rating of 4 or 5 stars is a satisfied patient.
SATISFIED_RATING = 4


def _service_records(read, narrow):
    def records(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        found = narrow(read(*day_bounds(start, end))).filter(
            institution_id__in=scope.institution_ids
        )
        if scope.department_id is not None:
            has_department = "department_id" in {f.attname for f in found.model._meta.fields}
            found = (
                found.filter(department_id=scope.department_id) if has_department else found.none()
            )
        return found.order_by("pk")

    return records


def _service_rows(read, narrow, day_field: str):
    def rows(start: dt.date, end: dt.date) -> Iterable[Row]:
        found = narrow(read(*day_bounds(start, end)))
        has_department = "department_id" in {f.attname for f in found.model._meta.fields}
        grouped = (
            found.annotate(
                day=TruncDate(day_field),
                row_department=(
                    Coalesce("department_id", Value(NO_DEPARTMENT))
                    if has_department
                    else Value(NO_DEPARTMENT)
                ),
            )
            .values_list("institution_id", "row_department", "day")
            .annotate(value=Count("id"))
            .order_by()
        )
        for institution_id, department_id, day, total in grouped:
            yield Row(institution_id, department_id, day, "", total)

    return rows


def service_component(code: str, source: Promise, read, day_field: str, narrow=None) -> Component:
    narrow = narrow or (lambda found: found)
    return Component(
        code,
        source,
        rows=_service_rows(read, narrow, day_field),
        records=_service_records(read, narrow),
        happened=True,
    )


def _inpatient_records(condition):
    records = inpatient.discharge_records(condition)

    def at_scope(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return records(scope.institution_ids, scope.department_id, start, end)

    return at_scope


def _inpatient_component(
    code: str, source: Promise, condition=inpatient.EVERY_STAY, value=None
) -> Component:
    return Component(
        code,
        source,
        rows=lambda start, end: (
            Row(*row) for row in inpatient.discharge_rows(condition, value)(start, end)
        ),
        records=_inpatient_records(condition),
        happened=True,
    )


# Inpatient (R-INP-3 and the seeds' bed indicators, issue 25): counted from the inpatient
# domain's discharged stays on their discharge day (D153).
COMPONENTS.update(
    {
        c.code: c
        for c in (
            service_component(
                "complaints_closed",
                _("complaints closed (service centre; praise left out)"),
                service.complaints_closed,
                "closed_at",
            ),
            service_component(
                "complaints_closed_on_time",
                _("of those, answered by their deadline and never escalated"),
                service.complaints_closed,
                "closed_at",
                lambda found: found.filter(closed_on_time=True),
            ),
            service_component(
                "complaints_rated",
                _("complaints the patient rated after closure"),
                service.complaints_rated,
                "rated_at",
            ),
            service_component(
                "complaints_satisfied",
                _("of those, rated 4 or 5 stars"),
                service.complaints_rated,
                "rated_at",
                lambda found: found.filter(rating__gte=SATISFIED_RATING),
            ),
            service_component(
                "errands_done",
                _("errands done at the one window (refused ones left out)"),
                service.errands_done,
                "closed_at",
            ),
            service_component(
                "errands_done_on_time",
                _("of those, done by the promised time"),
                service.errands_done,
                "closed_at",
                lambda found: found.filter(on_time=True),
            ),
            _inpatient_component(
                "elective_operations",
                _("elective operations of discharged patients (elective notice with a procedure)"),
                inpatient.ELECTIVE_OPERATION,
            ),
            _inpatient_component(
                "day_surgeries",
                _("of them done as day surgery (discharged within 24 h, 48 h by exception)"),
                inpatient.DAY_SURGERY,
            ),
            _inpatient_component(
                "pathway_completed_stays",
                _("of them completed on a clinical pathway (not those that left it)"),
                inpatient.ON_PATHWAY,
            ),
            _inpatient_component(
                "inpatient_stays",
                _("inpatient stays discharged (the inpatient domain's admissions)"),
            ),
            _inpatient_component(
                "stay_days",
                _("days from admission to discharge of discharged stays (at least 1 each)"),
                value=inpatient.stay_days,
            ),
            _inpatient_component(
                "pre_admission_waiting_days",
                _("days from the admission notice to admission of discharged stays"),
                value=inpatient.waiting_days,
            ),
        )
    }
)

ROLLED_UP = tuple(c for c in COMPONENTS.values() if c.rolled_up)


class Unit:
    PERCENT = "percent"
    MINUTES = "minutes"
    TIMES = "times"
    COUNT = "count"
    DAYS = "days"


class Direction:
    AT_LEAST = "at_least"  # met when the value is ≥ the target
    AT_MOST = "at_most"  # met when the value is ≤ the target


@dataclass(frozen=True)
class Metric:
    code: str
    requirement: str
    name: Promise
    formula: Promise
    unit: str
    direction: str
    target: Decimal | None = None
    target_note: Promise | str = ""
    numerator: str = ""  # component codes; empty when the domain is not built yet
    denominator: str = ""
    scope: Promise | str = ""  # where it is counted, in the target's words (D91)
    seed: str = ""  # the seed's own words for the indicator and its target (not translated)
    # How many numerator units make one unit of the figure: 60 where seconds are summed for a
    # figure in minutes (dispatch takes seconds; whole minutes per call would hide the target).
    numerator_per_unit: int = 1

    @property
    def available(self) -> bool:
        return bool(self.numerator and self.denominator)

    @property
    def numerator_source(self) -> Promise | str:
        return COMPONENTS[self.numerator].source if self.numerator else ""

    @property
    def denominator_source(self) -> Promise | str:
        return COMPONENTS[self.denominator].source if self.denominator else ""

    def value(self, numerator: int, denominator: int) -> Decimal | None:
        """The figure; None (undefined) when the denominator is 0."""
        if not denominator:
            return None
        ratio = Decimal(numerator) / Decimal(denominator * self.numerator_per_unit)
        if self.unit == Unit.PERCENT:
            ratio *= 100
        return ratio.quantize(Decimal("0.01"))

    def met(self, value: Decimal | None) -> bool | None:
        if value is None or self.target is None:
            return None
        if self.direction == Direction.AT_LEAST:
            return value >= self.target
        return value <= self.target


METRICS: tuple[Metric, ...] = (
    Metric(
        "appointment_rate",
        "R-APPT-9",
        _("Outpatient appointment rate"),
        _(
            "outpatient visits by appointment (referrals included) ÷ outpatient visits × 100%, "
            "at city public hospitals; a walk-in or a same-day registration at a window or "
            "kiosk is not an appointment"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(15),
        _("city public hospitals"),
        "city_appointment_visits",
        "city_visits",
        scope=_("city public hospitals (the consortium's city-level hospital)"),
        seed="预约（转诊）占城市公立医院门诊比例达到 15%（种子 002 表 1.1）",
    ),
    Metric(
        "online_sources",
        "R-APPT-9",
        _("Share of appointment sources open online"),
        _("sources in online pools ÷ all open sources × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(80),
        "",
        "online_slots",
        "slots",
        seed="医院普通、专科和专家门诊号源网上开放比例达到 80%以上（种子 000）",
    ),
    Metric(
        "primary_care_sources",
        "R-APPT-3",
        _("Share of online sources reserved for primary care"),
        _("sources reserved for primary care ÷ sources in online pools × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(40),
        "",
        "primary_care_slots",
        "online_slots",
        seed="网上号源优先向辖区基层医疗卫生机构开放比例达 40%以上（种子 002 表 1.1）",
    ),
    Metric(
        "registration_queue_minutes",
        "R-APPT-7",
        _("Registration and payment queue (on site)"),
        _(
            "Σ minutes from taking a place in the registration or payment queue to being "
            "served ÷ patients served there"
        ),
        Unit.MINUTES,
        Direction.AT_MOST,
        Decimal(10),
        _("the platform issues no window queue tickets yet"),
        scope=_("every hospital's registration windows and cashiers"),
        seed="现场挂号排队时间不超过 10 分钟（种子 000）",
    ),
    Metric(
        "peak_registration_queue_minutes",
        "R-APPT-7",
        _("Registration queue at peak"),
        _(
            "Σ minutes in the registration queue of patients served in the peak hours ÷ those "
            "patients, at county hospitals and above"
        ),
        Unit.MINUTES,
        Direction.AT_MOST,
        Decimal(3),
        _("county hospitals and above"),
        scope=_("county hospitals and above"),
        seed="县级以上医院高峰期挂号排队时间不超过 3 分钟（种子 002 表 1.1）",
    ),
    Metric(
        "queue_minutes",
        "R-KPI-2",
        _("Queueing time per visit: the clinic wait"),
        _(
            "Σ (called − checked in) in minutes ÷ visits called — the wait in the clinic after "
            "check-in, not the registration queue"
        ),
        Unit.MINUTES,
        Direction.AT_MOST,
        None,
        _("to fall (the seeds set no target for the clinic wait)"),
        "waited_minutes",
        "called_visits",
        scope=_("every institution in the scope"),
        seed="多举措缩短排队时间（种子 000）",
    ),
    Metric(
        "peak_queue_minutes",
        "R-KPI-2",
        _("Clinic wait at peak (8:00–10:00)"),
        _(
            "Σ (called − checked in) of visits called 8:00–10:00 ÷ those visits, at county "
            "hospitals and above — the clinic wait, not the registration queue"
        ),
        Unit.MINUTES,
        Direction.AT_MOST,
        None,
        _("to fall (the seeds' peak target is the registration queue)"),
        "peak_waited_minutes",
        "peak_called_visits",
        scope=_("county hospitals and above"),
        seed="县级以上医院高峰期……排队时间（种子 002 表 1.1）",
    ),
    Metric(
        "in_clinic_rooms",
        "R-PAY-1",
        _("In-clinic settlement coverage of consulting rooms"),
        _(
            "consulting rooms that settled at least one bill in the room in the period ÷ "
            "consulting rooms × 100%, at county hospitals and above"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(80),
        _("county hospitals and above"),
        "rooms_settling",
        "rooms",
        scope=_("county hospitals and above"),
        seed="县（区）级以上医院……诊间结算服务诊间覆盖率达到 80%以上（种子 002 表 1.2）",
    ),
    Metric(
        "smart_settlement",
        "R-PAY-1",
        _("Smart settlement rate (in-clinic, kiosk, mobile)"),
        _("outpatient settlements in the room, at a kiosk or by phone ÷ outpatient settlements"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise steadily"),
        "smart_settlements",
        "outpatient_settlements",
        seed=(
            "利用自助服务设施、诊间结算手段、第三方支付平台，实现自助结算、诊间结算、"
            "移动终端医疗费用结算（种子 000）"
        ),
    ),
    Metric(
        "time_slotted_exams",
        "R-EXAM-2",
        _("Share of exams booked to a time slot"),
        _(
            "exams done on a time-slot booking ÷ all exams done, booked or not × 100%, at "
            "county hospitals and above"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(80),
        _("county hospitals and above"),
        "exams_time_slotted",
        "exams_done",
        scope=_("county hospitals and above"),
        seed=(
            "县（区）级以上医院胃镜、肠镜、B超、CT、MRI等实现分时段预约检查，分时段预约检查率"
            "达到80%以上（种子 002 表 1.3）；分时段预约检查占总检查量的 80%以上（种子 000）"
        ),
    ),
    Metric(
        "referred_visits",
        "R-REF-2",
        _("Referred visits"),
        _(
            "visits of county hospitals and above that came through a referral from a lower "
            "institution ÷ visits of county hospitals and above × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(12),
        _("county hospitals and above"),
        "hospital_referred_visits",
        "hospital_visits",
        scope=_("county hospitals and above"),
        seed=(
            "县级以上医院的诊疗人次中，经由下级医院和基层医疗卫生机构转诊的比例达到 12%以上"
            "（种子 002 表 1.9）"
        ),
    ),
    Metric(
        "day_surgery",
        "R-INP-3",
        _("Day surgery share of elective surgery"),
        _("day surgeries ÷ elective surgeries of discharged patients × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(15),
        numerator="day_surgeries",
        denominator="elective_operations",
        seed="三甲综合医院日间手术占择期手术比例达15%以上（种子 002 表 1.4）",
    ),
    Metric(
        "clinical_pathways",
        "R-INP-4",
        _("Discharged cases on a clinical pathway"),
        _("discharged cases managed on a clinical pathway ÷ discharged cases × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(35),
        numerator="pathway_completed_stays",
        denominator="inpatient_stays",
        seed="临床路径病例数占出院总病例数的35%以上（种子 002 表 1.4）",
    ),
    Metric(
        "ambulance_dispatch",
        "R-EMG-3",
        _("Ambulance dispatch time"),
        _("Σ (dispatched − call received) ÷ emergency calls"),
        Unit.MINUTES,
        Direction.AT_MOST,
        Decimal(3),
        "",
        "ambulance_dispatch_seconds",
        "ambulance_runs",
        scope=_("calls taken by the emergency centres in the scope"),
        seed="救护车平均出车时间控制在 3 分钟以内（种子 002）",
        numerator_per_unit=60,
    ),
    Metric(
        "ambulance_response",
        "R-EMG-3",
        _("Ambulance response time"),
        _("Σ (on scene − call received) ÷ runs that reached the scene, city centre zones"),
        Unit.MINUTES,
        Direction.AT_MOST,
        Decimal(15),
        _("≤ 15 min in the city centre, ≤ 10 min in a county centre"),
        "city_response_seconds",
        "city_runs_on_scene",
        scope=_("calls from city-centre zones"),
        seed=(
            "设区市主城区平均急救反应时间小于 15 分钟，县域主城区平均急救反应时间小于 10 分钟"
            "（种子 002）"
        ),
        numerator_per_unit=60,
    ),
    Metric(
        "ambulance_response_county",
        "R-EMG-3",
        _("Ambulance response time, county centres"),
        _("Σ (on scene − call received) ÷ runs that reached the scene, county centre zones"),
        Unit.MINUTES,
        Direction.AT_MOST,
        Decimal(10),
        _("≤ 10 min in a county centre"),
        "county_response_seconds",
        "county_runs_on_scene",
        scope=_("calls from county-centre zones"),
        seed="县域主城区平均急救反应时间小于 10 分钟（种子 002）",
        numerator_per_unit=60,
    ),
    Metric(
        "green_channel_clocks",
        "R-EMG-2",
        _("Green-channel clocks on target"),
        _(
            "green-channel clocks that ended within their target ÷ clocks with both ends "
            "recorded × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(75),
        _("≥ 75% on target (中国胸痛中心认证标准: 达标率 ≥ 75%)"),
        "green_clocks_met",
        "green_clocks_measured",
        scope=_("runs received at the hospitals in the scope"),
        seed="建立胸痛、卒中、创伤、危重孕产妇、危重新生儿和儿童救治中心，开通绿色通道（种子 000）",
    ),
    Metric(
        "maternal_child_coverage",
        "R-PH-2",
        _("Maternal and child health management coverage"),
        _(
            "mothers delivered and children reaching their first three birthdays who were "
            "managed on schedule ÷ all of them × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(90),
        numerator="mch_people_managed",
        denominator="mch_people_served",
        scope=_("the institution that registered the pregnancy or made the child's first check"),
        seed=(
            "深化“互联网+母子健康”服务，服务对象覆盖率达到 90%（种子 002 表 1.8）；"
            "孕产妇系统管理率、3岁以下儿童系统管理率"
        ),
    ),
    Metric(
        "vaccination_on_schedule",
        "R-PH-1",
        _("Programme vaccinations on schedule"),
        _(
            "programme doses given from the due day to the day before the next month of age ÷ "
            "programme doses given × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise steadily"),
        "programme_doses_on_schedule",
        "programme_doses",
        seed=(
            "疫苗管理和预防接种服务全程可追溯（种子 002）；国家免疫规划疫苗儿童免疫程序（2021年版）"
        ),
    ),
    Metric(
        "aefi_reported_in_time",
        "R-PH-1",
        _("Adverse events reported within the limit"),
        _("AEFI reported within 48 hours of discovery ÷ AEFI reported × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        numerator="aefi_reported_in_time",
        denominator="aefi_reported",
        seed="疑似预防接种异常反应监测（种子 002）；发现后 48 小时内填写报告卡",
    ),
    Metric(
        "hut_readings_followed_up",
        "R-PH-4",
        _("Island hut readings followed up"),
        _(
            "out-of-range hut readings followed up within 24 hours ÷ out-of-range hut readings "
            "× 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        numerator="hut_readings_followed_up",
        denominator="hut_readings_out_of_range",
        seed="海岛健康小屋：数据传至责任医疗机构（种子 002）",
    ),
    Metric(
        "home_visits_done",
        "R-PH-5",
        _("Home visits done on the day"),
        _("home visits recorded by the end of their scheduled day ÷ home visits scheduled × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        numerator="home_visits_done",
        denominator="home_visits_scheduled",
        seed="依托社区护理站开展居家医疗和养老护理服务（种子 002）",
    ),
    Metric(
        "township_online_sources",
        "R-APPT-8",
        _("Township and community sources open online"),
        _("sources in online pools ÷ all open sources, primary-care institutions × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        _("township, community and island institutions"),
        "primary_care_level_online_slots",
        "primary_care_level_slots",
        seed="乡镇卫生院（社区卫生服务中心）网络预约挂号服务覆盖全部门诊号源（种子 002 表 1.1）",
    ),
    Metric(
        "downward_referrals",
        "R-REF-1",
        _("Downward referrals per upward referral accepted"),
        _("downward referrals sent ÷ upward referrals accepted × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise steadily"),
        "downward_referrals",
        "upward_referrals_accepted",
        seed="畅通双向转诊通道（种子 000）",
    ),
    Metric(
        "referral_turnaround",
        "R-REF-1",
        _("Referral turnaround"),
        _("Σ (answered − sent) of upward referrals ÷ upward referrals answered"),
        Unit.MINUTES,
        Direction.AT_MOST,
        None,
        _("receiving institution"),
        "referral_answer_minutes",
        "referrals_answered",
    ),
    Metric(
        "consultation_turnaround",
        "R-NET-3",
        _("Remote consultation turnaround"),
        _("Σ (answered − requested) ÷ remote consultations and readings answered"),
        Unit.MINUTES,
        Direction.AT_MOST,
        None,
        _("consulting centre"),
        "consultation_minutes",
        "consultations_answered",
        seed="医联体内开展远程医疗服务，包括远程会诊、远程影像诊断、远程病理诊断等（种子 000）",
    ),
)
# R-KPI-2 (issue 13): the reform's own measure and the no-shows.
METRICS += (
    Metric(
        "trips_per_episode",
        "R-KPI-2",
        _("Trips per care episode"),
        _(
            "trips (distinct days on site) of the care episodes opened in the period ÷ those "
            "episodes; an episode with no trip yet is left out"
        ),
        Unit.TIMES,
        Direction.AT_MOST,
        None,
        _("toward one (最多跑一次)"),
        "episode_trips",
        "episodes_travelled",
        scope=_("episodes opened at the institutions in the scope"),
        seed="让群众就医“少跑”“近跑”“不跑”……“最多跑一次”（种子 002）",
    ),
    Metric(
        "appointment_no_shows",
        "R-APPT-5",
        _("Appointment no-show rate"),
        _(
            "bookings never checked in ÷ bookings that still stood on their visit day × 100% "
            "(visit days that have ended; walk-ins left out)"
        ),
        Unit.PERCENT,
        Direction.AT_MOST,
        None,
        _("to fall (建立退号与爽约管理机制)"),
        "appointments_missed",
        "appointments_due",
        scope=_("visits booked at the institutions in the scope"),
        seed="完善预约管理服务。建立退号与爽约管理机制（种子 000）",
    ),
    Metric(
        "exam_no_shows",
        "R-EXAM-3",
        _("Exam no-show rate"),
        _("booked exams missed ÷ booked exams the patient came to or missed × 100%"),
        Unit.PERCENT,
        Direction.AT_MOST,
        None,
        _("to fall (建立爽约管理机制)"),
        "exams_missed",
        "exams_due",
        scope=_("exams performed at the institutions in the scope"),
        seed="完善预约管理服务，建立爽约管理机制（种子 000，检查少跑腿）",
    ),
)
# R-KPI-3 (issue 24): the seeds' further indicators, after R-KPI-1's.
METRICS += (
    Metric(
        "bed_turnover",
        "R-KPI-3",
        _("Bed turnover"),
        _("patients discharged in the period ÷ actual open beds"),
        Unit.TIMES,
        Direction.AT_LEAST,
        None,
        _("to rise (seed 000: 提高床位周转率)"),
        "discharges",
        "open_beds",
        seed="提高床位周转率（种子 000）",
    ),
    Metric(
        "average_length_of_stay",
        "R-KPI-3",
        _("Average length of stay"),
        _("Σ days from admission to discharge ÷ discharged stays"),
        Unit.DAYS,
        Direction.AT_MOST,
        None,
        _("to fall (seed 000: 提高床位周转率)"),
        "stay_days",
        "inpatient_stays",
        seed="提高床位周转率（种子 000）",
    ),
    Metric(
        "pre_admission_waiting",
        "R-KPI-3",
        _("Pre-admission waiting days"),
        _("Σ days from the admission notice to admission ÷ discharged stays"),
        Unit.DAYS,
        Direction.AT_MOST,
        None,
        _("to fall (seed 000: 入院准备中心)"),
        "pre_admission_waiting_days",
        "inpatient_stays",
        seed="推广入院准备中心（种子 000 §四）",
    ),
    Metric(
        "primary_care_visit_share",
        "R-KPI-3",
        _("Primary-care visit share"),
        _("visits at township and community health service centres ÷ all outpatient visits × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (seed 000: 基层就诊率进一步提升)"),
        "primary_care_visits",
        "visits",
        seed="基层就诊率进一步提升（种子 000）",
    ),
    Metric(
        "centre_sources_online",
        "R-APPT-8",
        _("Township and community centre sources open online"),
        _(
            "outpatient sources of township and community centres open to online booking ÷ "
            "their outpatient sources × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        _("seed 002 table 1.1"),
        "centre_online_slots",
        "centre_slots",
        seed="乡镇卫生院（社区卫生服务中心）网络预约挂号服务覆盖全部门诊号源（种子 002 表 1.1）",
    ),
    Metric(
        "large_equipment_open",
        "R-APPT-8",
        _("Large equipment open to primary-care booking"),
        _(
            "large equipment of county hospitals and above that primary care booked in the "
            "period ÷ their active large equipment × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        _("seed 002 table 1.3"),
        "large_equipment_used_by_primary_care",
        "large_equipment",
        seed="县（区）级以上医院大型设备检查预约向基层开放（种子 002 表 1.3）",
    ),
    Metric(
        "ebill_coverage",
        "R-PAY-5",
        _("Electronic bill coverage"),
        _("settlements of fees with an electronic bill ÷ settlements of fees × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (seed 002: 不断提升电子发票应用覆盖面)"),
        "fee_settlements_with_ebill",
        "fee_settlements",
        seed="全面推广电子发票应用（种子 002）",
    ),
    Metric(
        "self_service_invoices",
        "R-PAY-5",
        _("Invoices printed by the patients themselves"),
        _(
            "electronic bills printed at a kiosk or downloaded on the phone ÷ electronic bills "
            "issued × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("self-service printing available (seed 002 table 1.2)"),
        "ebills_self_served",
        "ebills",
        seed="实现发票自助打印（种子 002 表 1.2）",
    ),
    Metric(
        "complaints_on_time",
        "R-SVC-2",
        _("Complaints closed on time"),
        _(
            "complaints closed in the period that were answered by their deadline and never "
            "escalated ÷ complaints closed in the period × 100%; praise is not counted"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (the seeds ask for complaints followed to closure, with no target)"),
        "complaints_closed_on_time",
        "complaints_closed",
        scope=_("every hospital's complaints centre"),
        seed="提供投诉沟通和便民惠民综合服务（种子 002 表 1.5）",
    ),
    Metric(
        "complaint_satisfaction",
        "R-SVC-2",
        _("Satisfaction with how complaints were handled"),
        _(
            "complaints rated 4 or 5 stars in the period ÷ complaints rated in the period × "
            "100%; praise is not counted"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (no target in the seeds)"),
        "complaints_satisfied",
        "complaints_rated",
        scope=_("every hospital's complaints centre"),
        seed="投诉沟通平台（种子 002 表 1.5）",
    ),
    Metric(
        "errands_on_time",
        "R-SVC-1",
        _("One-window errands done within the promised time"),
        _(
            "errands done at the one window in the period by their promised time ÷ errands "
            "done there in the period × 100%; a refused errand is not done"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (the promise is each errand type's turnaround)"),
        "errands_done_on_time",
        "errands_done",
        scope=_("every hospital's service centre"),
        seed="一窗受理、一站式服务、一章管理（种子 002 第 6 项）",
    ),
)


# --- issue 20: the pharmacy and the internet hospital (R-RX-1/2, R-NET-1/2) -----------------


def _daily(reader: Callable[..., list]) -> Callable[[dt.date, dt.date], Iterable[Row]]:
    """Rows from a domain reader of (institution id, day, value), no department."""
    return _tallied(reader, lambda fact: fact)


def _in_scope(records: Callable[..., QuerySet], institution: str):
    def scoped(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
        return records(*day_bounds(start, end)).filter(
            **{f"{institution}__in": scope.institution_ids}
        )

    return scoped


COMPONENTS.update(
    {
        component.code: component
        for component in (
            Component(
                "rx_arrivals",
                _("prescriptions whose patient said on the phone they had arrived"),
                rows=_daily(lambda s, u: pharmacy.arrivals_by_day(s, u, ready=False)),
                happened=True,
                records=_in_scope(pharmacy.arrivals, "institution_id"),
            ),
            Component(
                "rx_ready_on_arrival",
                _("of them, picked and ready before the patient arrived"),
                rows=_daily(lambda s, u: pharmacy.arrivals_by_day(s, u, ready=True)),
                happened=True,
                records=_in_scope(pharmacy.arrivals, "institution_id"),
            ),
            Component(
                "rx_window_wait_minutes",
                _("minutes from the patient's arrival to the hand-over"),
                rows=_daily(lambda s, u: pharmacy.window_wait_by_day(s, u, minutes=True)),
                happened=True,
                records=_in_scope(pharmacy.handed_over_after_arrival, "institution_id"),
            ),
            Component(
                "rx_handed_over_after_arrival",
                _("prescriptions handed over to a patient who had said they arrived"),
                rows=_daily(lambda s, u: pharmacy.window_wait_by_day(s, u, minutes=False)),
                happened=True,
                records=_in_scope(pharmacy.handed_over_after_arrival, "institution_id"),
            ),
            Component(
                "rx_review_minutes",
                _("minutes from writing to the pharmacist's review"),
                rows=_daily(lambda s, u: prescribing.reviews_by_day(s, u, minutes=True)),
                happened=True,
                records=_in_scope(prescribing.reviewed, "institution_id"),
            ),
            Component(
                "rx_reviewed",
                _("prescriptions approved or returned by the pharmacist"),
                rows=_daily(lambda s, u: prescribing.reviews_by_day(s, u, minutes=False)),
                happened=True,
                records=_in_scope(prescribing.reviewed, "institution_id"),
            ),
            Component(
                "online_visits_held",
                _("online follow-up visits held (closed with an encounter note)"),
                rows=_daily(lambda s, u: prescribing.online_visits_by_day(s, u, held=True)),
                records=_in_scope(prescribing.online_visits, "institution_id"),
            ),
            Component(
                "online_visits_booked",
                _("online follow-up visits booked for the period"),
                rows=_daily(lambda s, u: prescribing.online_visits_by_day(s, u, held=False)),
                records=_in_scope(prescribing.online_visits, "institution_id"),
            ),
            Component(
                "deliveries_on_time",
                _("of them, delivered by the promised time"),
                rows=_daily(lambda s, u: pharmacy.deliveries_due_by_day(s, u, on_time=True)),
                records=_in_scope(pharmacy.deliveries_due, "order__institution_id"),
            ),
            Component(
                "deliveries_due",
                _("home deliveries promised for the period"),
                rows=_daily(lambda s, u: pharmacy.deliveries_due_by_day(s, u, on_time=False)),
                records=_in_scope(pharmacy.deliveries_due, "order__institution_id"),
            ),
        )
    }
)
METRICS += (
    Metric(
        "rx_ready_on_arrival",
        "R-RX-1",
        _("Prescriptions ready on arrival"),
        _(
            "prescriptions ready at the window before the patient arrived ÷ prescriptions whose "
            "patient announced their arrival × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (seed 000: 随到随取)"),
        "rx_ready_on_arrival",
        "rx_arrivals",
        seed=(
            "推进医院门诊“智慧药房”建设，实现处方系统与药房配药系统无缝对接，"
            "做到门诊取药“随到随取”（种子 000）"
        ),
    ),
    Metric(
        "rx_window_wait",
        "R-RX-1",
        _("Dispensing wait"),
        _("Σ (hand-over − arrival) ÷ prescriptions handed over after the patient arrived"),
        Unit.MINUTES,
        Direction.AT_MOST,
        None,
        _("to fall (seed 000: 随到随取)"),
        "rx_window_wait_minutes",
        "rx_handed_over_after_arrival",
        seed="做到门诊取药“随到随取”（种子 000）",
    ),
    Metric(
        "online_follow_ups",
        "R-NET-1",
        _("Online follow-up visits held"),
        _("online follow-up visits held ÷ online follow-up visits booked × 100%"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("the number held is the numerator (seed 000: 在线复诊)"),
        "online_visits_held",
        "online_visits_booked",
        seed="提供常见病、慢性病的在线复诊服务……严禁在互联网上进行初诊（种子 000）",
    ),
    Metric(
        "rx_review_turnaround",
        "R-NET-2",
        _("Prescription review turnaround"),
        _("Σ (review − writing) ÷ prescriptions reviewed"),
        Unit.MINUTES,
        Direction.AT_MOST,
        None,
        _("to fall (seed 000: 药师在线审方)"),
        "rx_review_minutes",
        "rx_reviewed",
        seed="可以开具电子处方，由药师在线审核处方并提供药物配送服务（种子 000）",
    ),
    Metric(
        "deliveries_on_time",
        "R-RX-2",
        _("Deliveries on time"),
        _(
            "home deliveries delivered by their promised time ÷ home deliveries promised for "
            "the period × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        None,
        _("to rise (seed 000: 代煎配送)"),
        "deliveries_on_time",
        "deliveries_due",
        seed="积极推广中药饮片代煎配送到家服务（种子 000）",
    ),
)
METRICS_BY_CODE = {metric.code: metric for metric in METRICS}
