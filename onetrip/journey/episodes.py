"""Care episodes assembled from the domain-event log (R-KPI-2). Pure: events in, episodes out.

The rule, applied to one patient's events in the order they happened (`occurred_at`, then id):

1. A *care event* (a booking, check-in, call, consultation; an exam ordered, booked, checked in,
   started; a report filed) belongs to a **thread**: the department it concerns — the booking's
   department, or for exams and reports the ordering doctor's department at the ordering
   institution (an outside doctor's orders form a thread of their own per institution).
2. It joins, in this order of preference: the episode of its booking (`booking_id`) or of its
   exam order (`order_id`) when that is already known; else the thread's latest episode if the
   event's care time is at most `IDLE_DAYS` after that episode's latest care time; else it
   **opens** a new episode. The care time of a booking is the visit's slot and of an exam
   booking the exam's start (a visit booked three weeks ahead continues what its booking
   opened), unless it was later cancelled; of everything else, when it happened.
3. *Attached events* never open or extend an episode: a cancellation or an exam no-show joins
   its booking's or order's episode; a payment joins the episode at the bill's institution
   whose latest care event is the most recent, at most `IDLE_DAYS` before; a refund joins its
   settlement's episode. A payment no episode claims stays out (a bill of no visit).
4. An episode is **void** (not reported) when nothing happened in it: every booking and exam it
   holds was cancelled before any check-in, report or payment.
5. An episode is **closed** once `IDLE_DAYS` have passed since its latest care time; the next
   care event of the thread then opens a new one.

Trips are the distinct days (Asia/Shanghai) with an on-site event, wherever it happened;
queueing time per visit is the `waited_minutes` of its call (check-in → called, domain-rules §8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from statistics import mean
from typing import Any, NamedTuple

from django.utils import timezone

from onetrip.core.events import EventKind

IDLE_DAYS = 14
IDLE = dt.timedelta(days=IDLE_DAYS)

BOOKING_KINDS = frozenset(
    {
        EventKind.APPOINTMENT_BOOKED,
        EventKind.VISIT_CHECKED_IN,
        EventKind.VISIT_CALLED,
        EventKind.CONSULTATION_STARTED,
    }
)
ORDER_KINDS = frozenset(
    {
        EventKind.EXAM_ORDERED,
        EventKind.EXAM_BOOKED,
        EventKind.EXAM_CHECKED_IN,
        EventKind.EXAM_STARTED,
        EventKind.REPORT_FILED,
    }
)
# Something happened to the patient: an episode holding one of these is never void.
HAPPENED_KINDS = frozenset(
    {
        EventKind.VISIT_CHECKED_IN,
        EventKind.VISIT_CALLED,
        EventKind.CONSULTATION_STARTED,
        EventKind.EXAM_CHECKED_IN,
        EventKind.EXAM_STARTED,
        EventKind.EXAM_NO_SHOW,
        EventKind.REPORT_FILED,
        EventKind.PAYMENT_SETTLED,
    }
)

# Every kind the assembly reads: an event of any other kind never opens, extends or joins an
# episode, so the episodes of a set of patients change only when one of these is recorded.
KINDS = (
    BOOKING_KINDS
    | ORDER_KINDS
    | frozenset(
        {
            EventKind.APPOINTMENT_CANCELLED,
            EventKind.EXAM_CANCELLED,
            EventKind.EXAM_NO_SHOW,
            EventKind.PAYMENT_SETTLED,
            EventKind.PAYMENT_REFUNDED,
        }
    )
)

# Why an event is in its episode (shown on the timeline, so the assembly can be checked).
OPENED = "opened"
BY_BOOKING = "booking"
BY_ORDER = "order"
BY_THREAD = "department"
BY_INSTITUTION = "institution"
BY_SETTLEMENT = "settlement"


class Event(NamedTuple):
    """The columns of `core.DomainEvent` the journey reads."""

    id: int
    kind: str
    occurred_at: dt.datetime
    patient_id: int
    institution_id: int | None
    department_id: int | None
    on_site: bool
    data: dict[str, Any]


EVENT_COLUMNS = Event._fields


@dataclass(frozen=True)
class Entry:
    event: Event
    reason: str


@dataclass(frozen=True)
class Visit:
    """One outpatient visit's queueing: check-in → called, in whole minutes."""

    visit_id: int
    day: dt.date
    institution_id: int | None
    department_id: int | None
    waited_minutes: int


@dataclass
class Episode:
    key: str
    patient_id: int
    institution_id: int | None
    department_id: int | None
    opened_at: dt.datetime
    referral: bool
    entries: list[Entry] = field(default_factory=list)
    last_care: dt.datetime | None = None  # the latest care time: when the episode idles from
    last_seen: dt.datetime | None = None  # when its latest care event happened
    institutions: set[int] = field(default_factory=set)

    @property
    def opened_on(self) -> dt.date:
        return timezone.localdate(self.opened_at)

    @property
    def trip_days(self) -> list[dt.date]:
        days = {timezone.localdate(e.event.occurred_at) for e in self.entries if e.event.on_site}
        return sorted(days)

    @property
    def trips(self) -> int:
        return len(self.trip_days)

    @property
    def visits(self) -> list[Visit]:
        return [
            Visit(
                visit_id=e.event.data.get("visit_id"),
                day=timezone.localdate(e.event.occurred_at),
                institution_id=e.event.institution_id,
                department_id=e.event.department_id,
                waited_minutes=e.event.data.get("waited_minutes") or 0,
            )
            for e in self.entries
            if e.event.kind == EventKind.VISIT_CALLED
        ]

    @property
    def mean_waited_minutes(self) -> float | None:
        """The episode's average queueing time per visit; None without a called visit."""
        waits = [visit.waited_minutes for visit in self.visits]
        return mean(waits) if waits else None

    def closed(self, now: dt.datetime) -> bool:
        return now - self.last_care > IDLE

    def _void(self, cancelled_bookings: set[int], cancelled_orders: set[int]) -> bool:
        events = [e.event for e in self.entries]
        if any(event.kind in HAPPENED_KINDS for event in events):
            return False
        bookings = {e.data.get("booking_id") for e in events if e.kind in BOOKING_KINDS}
        orders = {e.data.get("order_id") for e in events if e.kind in ORDER_KINDS}
        return bookings <= cancelled_bookings and orders <= cancelled_orders


def _moment(value: str | None) -> dt.datetime | None:
    """An ISO time from an event's data; None when the event carries none (an event written by
    an older emitter or an interface that leaves it out: its own time stands for it)."""
    return dt.datetime.fromisoformat(value) if value else None


def _care_time(
    event: Event, cancelled_bookings: set[int], cancelled_orders: set[int]
) -> dt.datetime:
    data = event.data
    if (
        event.kind == EventKind.APPOINTMENT_BOOKED
        and data.get("booking_id") not in cancelled_bookings
    ):
        return max(event.occurred_at, _moment(data.get("slot_start")) or event.occurred_at)
    if event.kind == EventKind.EXAM_BOOKED and data.get("order_id") not in cancelled_orders:
        return max(event.occurred_at, _moment(data.get("starts_at")) or event.occurred_at)
    return event.occurred_at


def _thread(event: Event) -> tuple[int | None, int | None]:
    if event.kind in BOOKING_KINDS:
        return event.institution_id, event.department_id
    return event.data.get("ordering_institution_id", event.institution_id), event.department_id


def assemble_patient(events: Iterable[Event]) -> list[Episode]:
    """One patient's episodes, by the rule above, oldest first; void episodes left out."""
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.id))
    cancelled_bookings = {
        e.data.get("booking_id") for e in ordered if e.kind == EventKind.APPOINTMENT_CANCELLED
    }
    cancelled_orders = {
        e.data.get("order_id") for e in ordered if e.kind == EventKind.EXAM_CANCELLED
    }
    episodes: list[Episode] = []
    by_booking: dict[int, Episode] = {}
    by_order: dict[int, Episode] = {}
    by_settlement: dict[int, Episode] = {}
    by_thread: dict[tuple[int | None, int | None], Episode] = {}

    for event in ordered:
        data = event.data
        if event.kind in BOOKING_KINDS or event.kind in ORDER_KINDS:
            care = _care_time(event, cancelled_bookings, cancelled_orders)
            thread = _thread(event)
            if event.kind in BOOKING_KINDS:
                episode, reason = by_booking.get(data.get("booking_id")), BY_BOOKING
            else:
                episode, reason = by_order.get(data.get("order_id")), BY_ORDER
            if episode is None:
                latest = by_thread.get(thread)
                if latest is not None and care - latest.last_care <= IDLE:
                    episode, reason = latest, BY_THREAD
            if episode is None:
                episode = Episode(
                    key=f"{event.patient_id}-{event.id}",
                    patient_id=event.patient_id,
                    institution_id=thread[0],
                    department_id=thread[1],
                    opened_at=event.occurred_at,
                    referral=bool(data.get("referral")),
                    last_care=care,
                )
                episodes.append(episode)
                reason = OPENED
            episode.entries.append(Entry(event, reason))
            episode.last_care = max(episode.last_care, care)
            episode.last_seen = event.occurred_at
            if event.institution_id is not None:
                episode.institutions.add(event.institution_id)
            if event.kind in BOOKING_KINDS:
                by_booking[data.get("booking_id")] = episode
            else:
                by_order[data.get("order_id")] = episode
            latest = by_thread.get(thread)
            if latest is None or episode.last_care >= latest.last_care:
                by_thread[thread] = episode
            continue
        episode, reason = _attach(event, episodes, by_booking, by_order, by_settlement)
        if episode is not None:
            episode.entries.append(Entry(event, reason))
            if event.kind == EventKind.PAYMENT_SETTLED:
                by_settlement[data.get("settlement_id")] = episode
    return [e for e in episodes if not e._void(cancelled_bookings, cancelled_orders)]


def _attach(
    event: Event,
    episodes: list[Episode],
    by_booking: dict[int, Episode],
    by_order: dict[int, Episode],
    by_settlement: dict[int, Episode],
) -> tuple[Episode | None, str]:
    data = event.data
    if event.kind == EventKind.APPOINTMENT_CANCELLED:
        return by_booking.get(data.get("booking_id")), BY_BOOKING
    if event.kind in (EventKind.EXAM_CANCELLED, EventKind.EXAM_NO_SHOW):
        return by_order.get(data.get("order_id")), BY_ORDER
    if event.kind == EventKind.PAYMENT_REFUNDED:
        return by_settlement.get(data.get("settlement_id")), BY_SETTLEMENT
    if event.kind == EventKind.PAYMENT_SETTLED:
        candidates = [
            e
            for e in episodes
            if event.institution_id in e.institutions and event.occurred_at - e.last_seen <= IDLE
        ]
        if candidates:
            return max(candidates, key=lambda e: (e.last_seen, e.opened_at)), BY_INSTITUTION
    return None, ""


def assemble(events: Iterable[Event]) -> Iterator[Episode]:
    """Episodes of many patients; `events` must come grouped by patient."""
    for _patient, own in groupby(events, key=lambda e: e.patient_id):
        yield from assemble_patient(own)
