"""The current month's fast read (D94) equals a full recomputation from raw records: closed days
from their rollups, today from its rows up to a mark plus the records after it, across a month
boundary, late events into today's marked part, a referral that arrives after the visit it
counts, and midnight."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from onetrip.conftest import SHANGHAI
from onetrip.core.actors import SYSTEM
from onetrip.core.events import EventKind as K
from onetrip.core.models import DomainEvent
from onetrip.journey import services as journey
from onetrip.metrics import services
from onetrip.metrics.definitions import METRICS, Scope
from onetrip.metrics.models import TodayMark
from onetrip.metrics.periods import month_of, trailing_months
from onetrip.metrics.tests.conftest import make_ebill

DEC_1 = dt.date(2026, 12, 1)


def moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def pairs(figures) -> dict:
    return {f.metric.code: (f.numerator, f.denominator, f.status) for f in figures}


def full(scope: Scope, period) -> dict:
    found = services.recomputed_totals(scope, period)
    return pairs(services.figure(metric, found, scope) for metric in METRICS)


def assert_exact(scopes) -> None:
    """The dashboard's read (figures and trends of the current month, in one read) equals the
    recomputation of the month and of every month of the trend, for every scope."""
    period = month_of(DEC_1)
    for scope in scopes:
        with services.one_read():
            figures, trends = services.overview(scope, period)
        assert pairs(figures) == full(scope, period)
        months = trailing_months(period, services.TREND_MONTHS)
        for index in (0, len(months) - 2, len(months) - 1):  # an empty month, November, December
            got = pairs(points[index].figure for points in trends.values())
            assert got == full(scope, months[index]), months[index].code
        assert pairs(services.figures(scope, period)) == full(scope, period)


def test_the_current_month_equals_a_recomputation_through_the_day(clock, org, emit):
    scopes = (
        Scope((org.tertiary.pk, org.township.pk)),
        Scope((org.township.pk,)),
        Scope((org.tertiary.pk,), org.surgery.pk),
    )

    def visit(when, department, booking=None, waited=5):
        emit(K.VISIT_CHECKED_IN, when, department, data={"booking_id": booking})
        called = when + dt.timedelta(minutes=waited)
        emit(K.VISIT_CALLED, called, department, data={"waited_minutes": waited})

    def settle(when, department, mode="in_clinic", room=0):
        emit(
            K.PAYMENT_SETTLED,
            when,
            department,
            data={"mode": mode, "consulting_room": org.rooms[room].pk, "fees": True},
        )

    # November, closed: the last evening straddles the month boundary.
    clock.set(moment(DEC_1, 8, 2))
    visit(moment(dt.date(2026, 11, 29), 9), org.medicine, booking=1)
    visit(moment(dt.date(2026, 11, 30), 23, 50), org.general, waited=20)  # called on 1 December
    settle(moment(dt.date(2026, 11, 30), 23, 59), org.surgery, room=2)
    services.refresh_rollups(dt.date(2026, 11, 1), DEC_1, actor=SYSTEM)
    # Today before the first step.
    visit(moment(DEC_1, 0, 5), org.surgery, booking=2, waited=12)
    visit(moment(DEC_1, 7, 30), org.medicine, booking=3)
    settle(moment(DEC_1, 7, 45), org.medicine, mode="kiosk")
    emit(K.EXAM_BOOKED, moment(DEC_1, 7, 50), org.medicine, data={"time_slotted": True})
    # Records later today (a booked time, a future event): read after the mark.
    visit(moment(DEC_1, 10), org.general, booking=4)
    assert_exact(scopes)
    mark = TodayMark.objects.get(day=DEC_1)
    assert mark.until == moment(DEC_1, 8)
    # Every event was written before the mark was counted: all are under its watermark, so its
    # proof reads none of today's events, only the ids above (D260).
    assert mark.watermark == DomainEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    assert mark.events == 0

    # The next step: new records are added to the rows, the marked part is not read again.
    clock.set(moment(DEC_1, 9, 12))
    visit(moment(DEC_1, 8, 30), org.surgery, waited=40)
    settle(moment(DEC_1, 9, 1), org.surgery, room=2)
    assert_exact(scopes)
    mark = TodayMark.objects.get(day=DEC_1)
    assert mark.until == moment(DEC_1, 9, 10)
    assert mark.events == 0

    # A late record into the marked part (an interface that delivers late): rebuilt, exact.
    visit(moment(DEC_1, 6), org.medicine, booking=5, waited=3)
    assert_exact(scopes)

    # A referral sent after the visit it brought (the green channel): the visit counts at once.
    emit(
        K.REFERRAL_SENT,
        moment(DEC_1, 9, 11),
        org.general,
        data={"direction": "up", "booking_id": 3},
    )
    assert_exact(scopes)

    # Midnight: 1 December is closed but not rolled up yet (read raw), 2 December has a mark.
    clock.set(moment(dt.date(2026, 12, 2), 0, 7))
    visit(moment(dt.date(2026, 12, 2), 0, 1), org.medicine, booking=6)
    assert_exact(scopes)
    assert list(TodayMark.objects.values_list("day", flat=True)) == [dt.date(2026, 12, 2)]
    services.refresh_rollups(DEC_1, dt.date(2026, 12, 2), actor=SYSTEM)
    assert_exact(scopes)


def test_what_today_reads_from_rows_and_what_raw(clock, org, emit):
    marked = {component.code for component in services.today_components()}
    assert {"visits", "called_visits", "peak_waited_minutes", "rooms_settling"} <= marked
    # Joined to referrals, bookings, exam starts and e-bills they name as links (D204).
    assert {
        "hospital_referred_visits",
        "fee_settlements_with_ebill",
        "city_appointment_visits",
        "exams_done",
        "exams_time_slotted",
    } <= marked
    assert not {"slots", "ebills"} & marked  # not from events: read raw


def test_records_arriving_after_what_they_judge_rejudge_the_marked_part(clock, org, emit, register):
    """A referral after its visit, an e-bill after its settlement, an exam start after the
    report filed without one (which then no longer counts on its own), a time-slot booking after
    the exam: each changes the count of an event in today's marked part, at the next read and
    after the next step; one recorded late into the marked part rebuilds the rows."""
    patient = register()
    scopes = (Scope((org.tertiary.pk, org.township.pk)), Scope((org.tertiary.pk,), org.surgery.pk))

    def settle(when, settlement):
        data = {"mode": "mobile", "fees": True, "settlement_id": settlement}
        emit(K.PAYMENT_SETTLED, when, org.surgery, data=data)

    clock.set(moment(DEC_1, 8, 2))
    emit(K.VISIT_CHECKED_IN, moment(DEC_1, 7), org.surgery, data={"booking_id": 11})
    emit(K.REFERRAL_SENT, moment(DEC_1, 6), org.general, data={"direction": "up", "booking_id": 12})
    emit(K.VISIT_CHECKED_IN, moment(DEC_1, 7, 10), org.surgery, data={"booking_id": 12})
    settle(moment(DEC_1, 7, 20), 201)
    settle(moment(DEC_1, 7, 30), 202)
    make_ebill(org.tertiary, patient, 202, moment(DEC_1, 7, 31), 1)
    emit(K.REPORT_FILED, moment(DEC_1, 7, 40), org.surgery, data={"order_id": 301, "version": 1})
    emit(K.EXAM_STARTED, moment(DEC_1, 7, 45), org.surgery, data={"order_id": 302})
    assert_exact(scopes)
    assert TodayMark.objects.get(day=DEC_1).until == moment(DEC_1, 8)

    clock.set(moment(DEC_1, 8, 9))
    emit(
        K.REFERRAL_SENT,
        moment(DEC_1, 8, 5),
        org.general,
        data={"direction": "up", "booking_id": 11},
    )
    make_ebill(org.tertiary, patient, 201, moment(DEC_1, 8, 6), 2)
    emit(K.EXAM_STARTED, moment(DEC_1, 8, 7), org.surgery, data={"order_id": 301})
    emit(
        K.EXAM_BOOKED,
        moment(DEC_1, 8, 8),
        org.surgery,
        data={"order_id": 302, "time_slotted": True},
    )
    assert_exact(scopes)  # read: the mark at 8:05, the records since re-judge what they name
    clock.set(moment(DEC_1, 8, 21))
    assert_exact(scopes)  # the step to 8:20 takes them into the rows
    mark = TodayMark.objects.get(day=DEC_1)
    # Counted: the two e-bills (records, not events: read in full); every event of the day is
    # under the step's watermark (D260).
    assert (mark.until, mark.events) == (moment(DEC_1, 8, 20), 2)

    # An e-bill recorded late into the marked part (issued 7:50, delivered now): rebuilt, exact.
    settle(moment(DEC_1, 7, 45), 203)
    make_ebill(org.tertiary, patient, 203, moment(DEC_1, 7, 50), 3)
    assert_exact(scopes)
    # The rebuilt rows' proof: the three e-bills; the late settlement is under the watermark
    # of the rebuild, taken after it was written.
    assert TodayMark.objects.get(day=DEC_1).events == 3


def test_a_read_between_steps_reads_only_the_records_after_the_mark(clock, org, emit):
    clock.set(moment(DEC_1, 11, 1))
    for minute in range(0, 50, 5):
        emit(K.VISIT_CHECKED_IN, moment(DEC_1, 10, minute), org.medicine, data={})
    scope = Scope((org.tertiary.pk,))
    with services.one_read():
        services.overview(scope, month_of(DEC_1))
    clock.set(moment(DEC_1, 11, 3))
    with CaptureQueriesContext(connection) as queries, services.one_read():
        services.overview(scope, month_of(DEC_1))
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not writes  # the mark held and was a step ahead: nothing rewritten


def test_one_read_assembles_todays_care_episodes_once(clock, org, emit, monkeypatch):
    """Trips per episode and the episodes travelled share one assembly of each span of today's
    episodes (the rows up to the mark, the change after it), the costliest read of the current
    month's page."""
    clock.set(moment(DEC_1, 11, 1))
    emit(K.VISIT_CHECKED_IN, moment(DEC_1, 10), org.medicine, data={}, on_site=True)
    emit(K.VISIT_CHECKED_IN, moment(DEC_1, 11), org.medicine, patient_id=2, on_site=True)
    assembled = []
    original = journey.episodes_changed

    def counting(**span):
        assembled.append(span)
        return original(**span)

    monkeypatch.setattr(journey, "episodes_changed", counting)
    with services.one_read():
        figures, _trends = services.overview(Scope((org.tertiary.pk,)), month_of(DEC_1))
    assert assembled == [
        {"since": moment(DEC_1, 0), "until": moment(DEC_1, 11)},  # into today's rows
        {"since": moment(DEC_1, 11), "until": None},  # the rest of today, read
    ]
    trips = next(f for f in figures if f.metric.code == "trips_per_episode")
    assert (trips.numerator, trips.denominator) == (2, 2)


def test_todays_care_episodes_are_counted_step_by_step_as_a_recomputation(clock, org, emit):
    """Each step changes the episodes of the patients it has events of: an episode opened
    before the mark gets its first trip after it, one that joins an episode of ten days ago is
    not today's, a cancellation empties one, a late event rebuilds; every read equals the
    recomputation, and the figure is the one counted by hand."""
    scopes = (Scope((org.tertiary.pk, org.township.pk)), Scope((org.township.pk,)))
    ten_days_ago = DEC_1 - dt.timedelta(days=10)

    def book(patient, when, department, booking, slot):
        data = {"booking_id": booking, "slot_start": slot.isoformat()}
        emit(K.APPOINTMENT_BOOKED, when, department, patient_id=patient, data=data)

    def check_in(patient, when, department, booking=None):
        data = {"booking_id": booking}
        emit(K.VISIT_CHECKED_IN, when, department, patient_id=patient, data=data, on_site=True)

    def trips() -> tuple[int, int]:
        with services.one_read():
            figures = services.figures(scopes[0], month_of(DEC_1))
        found = next(f for f in figures if f.metric.code == "trips_per_episode")
        return found.numerator, found.denominator

    clock.set(moment(ten_days_ago, 12))
    check_in(101, moment(ten_days_ago, 9), org.medicine, booking=1)  # an episode still open
    clock.set(moment(DEC_1, 8, 2))
    check_in(101, moment(DEC_1, 7), org.medicine)  # continues it: not opened today
    book(102, moment(DEC_1, 7, 10), org.surgery, 2, moment(DEC_1, 9))  # opened, no trip yet
    check_in(103, moment(DEC_1, 7, 20), org.general)  # opened today at the township, one trip
    book(104, moment(DEC_1, 7, 30), org.medicine, 4, moment(DEC_1, 10))
    assert_exact(scopes)
    assert trips() == (1, 1)  # patient 103 alone

    clock.set(moment(DEC_1, 9, 12))
    check_in(102, moment(DEC_1, 9, 5), org.surgery, booking=2)  # its first trip, after the mark
    emit(
        K.APPOINTMENT_CANCELLED,
        moment(DEC_1, 9, 6),
        org.medicine,
        patient_id=104,
        data={"booking_id": 4},
    )  # patient 104's episode is void
    check_in(105, moment(DEC_1, 9, 7), org.general)
    assert trips() == (3, 3)  # 102, 103, 105: read after the mark
    assert_exact(scopes)
    clock.set(moment(DEC_1, 9, 31))
    assert trips() == (3, 3)  # the same, now from today's rows
    assert TodayMark.objects.get(day=DEC_1).until == moment(DEC_1, 9, 30)

    check_in(106, moment(DEC_1, 6), org.medicine)  # late into the marked part: rebuilt
    assert trips() == (4, 4)
    assert_exact(scopes)


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_transaction_open_at_the_watermark_is_still_counted(clock, org, emit):
    """Ids are handed out before commit: an event written by a transaction still open when the
    highest id is read has an id under it and becomes visible later. While such a write is open,
    the step must not trust that id as its watermark (D260)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL only (SQLite writes one at a time)")
    scope = Scope((org.tertiary.pk,))
    clock.set(moment(DEC_1, 10, 1))
    emit(K.VISIT_CHECKED_IN, moment(DEC_1, 9, 30), org.medicine, data={})
    assert services.advance_today().watermark > 0  # nothing else open: the highest id holds
    writing, commit = threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                emit(K.VISIT_CHECKED_IN, moment(DEC_1, 9, 40), org.medicine, data={})
                writing.set()
                commit.wait(30)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert writing.wait(30)
        emit(K.VISIT_CHECKED_IN, moment(DEC_1, 9, 50), org.medicine, data={})  # a higher id
        clock.set(moment(DEC_1, 10, 6))
        assert services.advance_today().watermark == 0  # the open write holds a lower id
    finally:
        commit.set()
        writer.join(30)
    with services.one_read():
        figures, _trends = services.overview(scope, month_of(DEC_1))
    assert pairs(figures) == full(scope, month_of(DEC_1))
    assert services.totals(scope, month_of(DEC_1)).get("visits") == 3


def test_a_connections_later_dashboards_are_planned_for_their_own_values(clock, org, emit):
    """A connection prepares a statement on its fifth run and may then plan it once for any
    values. "An event of these kinds since the mark" then looks like a third of the events and is
    read by scanning them all: 1.8 s a page at 10 M events, from a connection's tenth dashboard.
    The indicators' reads are planned for their values every time (D279); the other paths keep
    the setting they had."""
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    ):
        pytest.skip("prepared statements: PostgreSQL with server-side binding only")
    clock.set(moment(DEC_1, 11, 1))
    for minute in range(0, 50, 5):
        emit(K.VISIT_CHECKED_IN, moment(DEC_1, 10, minute), org.medicine, data={})
    scope = Scope((org.tertiary.pk,))
    for minute in range(12):  # more than the ten runs after which a generic plan may be chosen
        clock.set(moment(DEC_1, 11, 2 + minute))
        with services.one_read():
            services.overview(scope, month_of(DEC_1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND generic_plans > 0",
            ["%core_domainevent%"],
        )
        generic = cursor.fetchall()
        cursor.execute("SHOW plan_cache_mode")
        (mode,) = cursor.fetchone()
    assert generic == []
    assert mode == "auto"
