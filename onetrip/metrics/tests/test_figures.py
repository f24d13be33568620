"""Each indicator recomputed in the test from the raw records matches the API's figure, before
and after the daily rollups, and a late event is picked up by the refresh (R-KPI-1, R-KPI-2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from onetrip.conftest import NOW
from onetrip.consortium.models import Clinic, Institution
from onetrip.core.actors import SYSTEM
from onetrip.core.events import EventKind
from onetrip.core.models import DomainEvent
from onetrip.journey import services as journey
from onetrip.metrics import services
from onetrip.metrics.definitions import METRICS
from onetrip.metrics.tests.conftest import at
from onetrip.metrics.tests.further import recompute_further, recompute_maternal_child
from onetrip.publichealth import indicators
from onetrip.publichealth.models import AdverseEvent, Dose, HomeVisit, HutReading
from onetrip.scheduling.models import Appointment, SlotPool

K = EventKind
TODAY = NOW.date()
MONTH = "2026-11"


def _public_health(institution_ids, start, end, local_day) -> dict:
    """The public-health indicators from their rows (D174; none in this month's scenario)."""
    doses = [
        d
        for d in Dose.objects.select_related("lot__product", "visit", "patient")
        if d.lot.institution_id in institution_ids
        and start <= local_day(d.given_at) < end
        and d.lot.product.programme
    ]
    events = [
        e
        for e in AdverseEvent.objects.select_related("dose__lot")
        if e.dose.lot.institution_id in institution_ids and start <= local_day(e.reported_at) < end
    ]
    readings = [
        r
        for r in HutReading.objects.select_related("device").filter(out_of_range=True)
        if r.device.hut_id in institution_ids and start <= local_day(r.received_at) < end
    ]
    visits = [
        v
        for v in HomeVisit.objects.select_related("order")
        if v.order.institution_id in institution_ids and start <= local_day(v.scheduled_for) < end
    ]
    followed = [
        r
        for r in readings
        if r.followed_up_at and r.followed_up_at - r.received_at <= dt.timedelta(hours=24)
    ]
    return {
        "vaccination_on_schedule": (
            sum(indicators.dose_on_schedule(d) for d in doses),
            len(doses),
        ),
        "aefi_reported_in_time": (
            sum(e.reported_at - e.discovered_at <= dt.timedelta(hours=48) for e in events),
            len(events),
        ),
        "hut_readings_followed_up": (len(followed), len(readings)),
        "home_visits_done": (sum(indicators.home_visit_done(v) for v in visits), len(visits)),
    }


def recompute(institution_ids: set[int], start: dt.date, end: dt.date, department=None) -> dict:
    """Every indicator's numerator and denominator, counted here from the raw rows."""

    def local_day(moment):
        return moment.astimezone(NOW.tzinfo).date()

    events = [
        e
        for e in DomainEvent.objects.all()
        if e.institution_id in institution_ids
        and start <= local_day(e.occurred_at) < end
        and (department is None or e.department_id == department)
    ]
    referral = {
        e.data["booking_id"]
        for e in DomainEvent.objects.filter(kind__in=(K.REFERRAL_SENT, K.REFERRAL_ANSWERED))
        if e.data["direction"] == "up" and e.data["booking_id"] is not None
    }
    hospitals = set(
        Institution.objects.filter(level__in=("tertiary", "county")).values_list("pk", flat=True)
    )
    city = set(Institution.objects.filter(level="tertiary").values_list("pk", flat=True))
    every = list(DomainEvent.objects.all())
    same_day_on_site = {
        (e.data["booking_id"], local_day(e.occurred_at))
        for e in every
        if e.kind == K.APPOINTMENT_BOOKED and e.data.get("booking_channel") in ("window", "kiosk")
    }
    started_orders = {e.data["order_id"] for e in every if e.kind == K.EXAM_STARTED}
    slotted_orders = {
        e.data.get("order_id")
        for e in every
        if e.kind == K.EXAM_BOOKED and e.data["time_slotted"] and e.data.get("order_id")
    }

    def of(kind):
        return [e for e in events if e.kind == kind]

    checked_in = of(K.VISIT_CHECKED_IN)
    city_visits = [e for e in checked_in if e.institution_id in city]
    appointments = [
        e
        for e in city_visits
        if e.data["booking_id"] is not None
        and not e.data.get("walk_in")
        and (e.data["booking_id"], local_day(e.occurred_at)) not in same_day_on_site
    ]
    done = [
        e
        for e in events
        if e.institution_id in hospitals
        and (
            e.kind == K.EXAM_STARTED
            or (
                e.kind == K.REPORT_FILED
                and e.data.get("version") == 1
                and e.data["order_id"] not in started_orders
            )
        )
    ]
    hospital_visits = [e for e in checked_in if e.institution_id in hospitals]
    answered_up = [e for e in of(K.REFERRAL_ANSWERED) if e.data["direction"] == "up"]
    consultations = of(K.CONSULTATION_ANSWERED)
    called = of(K.VISIT_CALLED)
    peak = [
        e
        for e in called
        if e.occurred_at.astimezone(NOW.tzinfo).hour in (8, 9) and e.institution_id in hospitals
    ]
    settled = [
        e
        for e in of(K.PAYMENT_SETTLED)
        if e.data["mode"] in ("in_clinic", "kiosk", "mobile", "window", "pay_later")
    ]
    pools = [
        p
        for p in SlotPool.objects.select_related("department")
        if p.department.institution_id in institution_ids
        and start <= local_day(p.starts_at) < end
        and p.is_open
        and (department is None or p.department_id == department)
    ]
    online = [p for p in pools if p.kind in ("shared_online", "primary_care")]
    primary_care_pools = [p for p in pools if p.department.institution_id not in hospitals]
    rooms = Clinic.objects.filter(department__institution_id__in=institution_ids & hospitals)
    if department is not None:
        rooms = rooms.filter(department_id=department)
    due_exams = [e for e in events if e.kind in (K.EXAM_CHECKED_IN, K.EXAM_NO_SHOW)]
    travelled = [
        e
        for e in journey.episode_trips(start=start, end=end - dt.timedelta(days=1))
        if e.trips
        and e.institution_id in institution_ids
        and (department is None or e.department_id == department)
    ]
    bookings = [
        a
        for a in Appointment.objects.select_related("session")
        if a.session.institution_id in institution_ids
        and start <= a.visit_date < min(end, TODAY)
        and a.status
        in ("booked", "checked_in", "called", "in_consultation", "completed", "no_show")
        and not a.is_walk_in
        and (department is None or a.session.department_id == department)
    ]
    further = recompute_further(events, pools, institution_ids, start, end, department, local_day)
    return (
        further
        | _public_health(institution_ids, start, end, local_day)
        | recompute_maternal_child(institution_ids, start, end, local_day)
        | {
            "appointment_rate": (len(appointments), len(city_visits)),
            "trips_per_episode": (sum(e.trips for e in travelled), len(travelled)),
            "appointment_no_shows": (
                sum(1 for a in bookings if a.status in ("booked", "no_show")),
                len(bookings),
            ),
            "exam_no_shows": (
                sum(1 for e in due_exams if e.kind == K.EXAM_NO_SHOW),
                len(due_exams),
            ),
            "online_sources": (sum(p.capacity for p in online), sum(p.capacity for p in pools)),
            "primary_care_sources": (
                sum(p.capacity for p in online if p.kind == "primary_care"),
                sum(p.capacity for p in online),
            ),
            "queue_minutes": (sum(e.data["waited_minutes"] for e in called), len(called)),
            "peak_queue_minutes": (sum(e.data["waited_minutes"] for e in peak), len(peak)),
            "in_clinic_rooms": (
                len(
                    {
                        e.data["clinic_id"]
                        for e in settled
                        if e.data["mode"] == "in_clinic"
                        and e.data.get("clinic_id") is not None
                        and e.institution_id in hospitals
                    }
                ),
                rooms.count(),
            ),
            "smart_settlement": (
                sum(1 for e in settled if e.data["mode"] in ("in_clinic", "kiosk", "mobile")),
                len(settled),
            ),
            "time_slotted_exams": (
                sum(1 for e in done if e.data.get("order_id") in slotted_orders),
                len(done),
            ),
            "referred_visits": (
                sum(1 for e in hospital_visits if e.data["booking_id"] in referral),
                len(hospital_visits),
            ),
            "township_online_sources": (
                sum(
                    p.capacity
                    for p in primary_care_pools
                    if p.kind in ("shared_online", "primary_care")
                ),
                sum(p.capacity for p in primary_care_pools),
            ),
            "downward_referrals": (
                sum(1 for e in of(K.REFERRAL_SENT) if e.data["direction"] == "down"),
                sum(1 for e in answered_up if e.data["outcome"] == "accepted"),
            ),
            "referral_turnaround": (sum(e.data["minutes"] for e in answered_up), len(answered_up)),
            "consultation_turnaround": (
                sum(e.data["minutes"] for e in consultations),
                len(consultations),
            ),
        }
    )


def api_figures(client, **params) -> dict:
    response = client.get("/api/metrics/figures", params)
    assert response.status_code == 200, response.content
    return {f["code"]: f for f in response.json()["figures"]}


def assert_matches(figures: dict, expected: dict) -> None:
    for metric in METRICS:
        got = figures[metric.code]
        if metric.code not in expected:
            assert (got["status"], got["value"]) == ("no_data", None), metric.code
            continue
        numerator, denominator = expected[metric.code]
        assert (got["numerator"], got["denominator"]) == (numerator, denominator), metric.code
        value = metric.value(numerator, denominator)
        assert (Decimal(got["value"]) if got["value"] is not None else None) == value


@pytest.fixture
def kpi_client(client, quality):
    client.force_login(quality.user)
    return client


def test_every_indicator_matches_a_recomputation_from_raw_records(month_of_events, kpi_client, org):
    consortium_ids = {org.tertiary.pk, org.township.pk}
    expected = recompute(consortium_ids, dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    # The scenario is meant to make each figure non-trivial.
    # The township's visit is not at a city public hospital (D91).
    assert expected["appointment_rate"] == (2, 4)
    # A primary-care-pool booking with no referral record is not a referral (R-REF-2).
    assert expected["referred_visits"][0] == 0
    assert expected["queue_minutes"] == (39, 4)
    # The township's room is not at a county hospital or above (D91).
    assert expected["in_clinic_rooms"] == (2, 3)
    # The exam done without a booking is in the denominator (D92).
    assert expected["time_slotted_exams"] == (2, 4)
    assert expected["online_sources"][1] > 0

    assert_matches(api_figures(kpi_client, period=MONTH), expected)

    services.refresh_rollups(dt.date(2026, 10, 1), dt.date(2026, 12, 1), actor=SYSTEM)
    assert_matches(api_figures(kpi_client, period=MONTH), expected)

    # The township alone, and one department of the hospital.
    township = recompute({org.township.pk}, dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert_matches(api_figures(kpi_client, period=MONTH, institution=org.township.pk), township)
    medicine = recompute(
        {org.tertiary.pk}, dt.date(2026, 11, 1), dt.date(2026, 12, 1), org.medicine.pk
    )
    assert_matches(
        api_figures(
            kpi_client, period=MONTH, institution=org.tertiary.pk, department=org.medicine.pk
        ),
        medicine,
    )
    # The quarter adds October.
    quarter = recompute(consortium_ids, dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert_matches(api_figures(kpi_client, period="2026-Q4"), quarter)


def test_a_late_event_is_counted_after_the_refresh(month_of_events, kpi_client, org, emit):
    services.refresh_rollups(dt.date(2026, 11, 1), dt.date(2026, 12, 1), actor=SYSTEM)
    before = api_figures(kpi_client, period=MONTH)["appointment_rate"]
    # An interface delivers yesterday's walk-in only today.
    emit(
        K.VISIT_CHECKED_IN,
        at(TODAY - dt.timedelta(days=1)),
        org.medicine,
        data={"booking_id": None},
    )
    assert api_figures(kpi_client, period=MONTH)["appointment_rate"] == before

    services.refresh_recent(actor=SYSTEM)

    after = api_figures(kpi_client, period=MONTH)["appointment_rate"]
    assert (after["numerator"], after["denominator"]) == (2, 5)


def test_the_trend_and_the_drill_down(month_of_events, kpi_client, org):
    response = kpi_client.get("/api/metrics/figures/queue_minutes", {"period": MONTH})
    assert response.status_code == 200, response.content
    body = response.json()
    trend = {p["period"]: p for p in body["trend"]}
    assert len(body["trend"]) == 12
    assert trend["2026-10"]["value"] == "30.00"
    assert trend["2026-11"]["value"] == "9.75"
    # The clinic wait has no target of its own: the seeds' ≤ 10 min is the registration queue.
    assert trend["2026-11"]["status"] == "no_target"
    assert trend["2026-09"]["status"] == "no_data"
    rows = {row["label"]: row for row in body["breakdown"]}
    assert rows["东山乡卫生院"]["value"] == "20.00"
    assert (rows["内科"]["numerator"], rows["内科"]["denominator"]) == (17, 2)
    assert (rows["外科"]["numerator"], rows["外科"]["denominator"]) == (2, 1)

    records = kpi_client.get(
        "/api/metrics/figures/queue_minutes/records",
        {"period": MONTH, "part": "denominator", "institution": org.township.pk},
    ).json()
    assert records["count"] == 1
    assert records["items"][0]["kind"] == "visit.called"
    assert "waited_minutes=20" in records["items"][0]["summary"]


def test_no_data_and_undefined(clock, kpi_client, org, emit):
    figures = api_figures(kpi_client, period="2025-01")
    assert {f["status"] for f in figures.values()} == {"no_data"}
    assert all(f["value"] is None for f in figures.values())

    emit(K.VISIT_CHECKED_IN, at(TODAY), org.medicine, data={"booking_id": None})
    figures = api_figures(kpi_client, period=MONTH)
    assert figures["appointment_rate"]["value"] == "0.00"
    assert figures["time_slotted_exams"]["status"] == "undefined"
    assert figures["time_slotted_exams"]["value"] is None
    # No elective operation discharged: a share of nothing, not 0%.
    assert figures["day_surgery"]["status"] == "undefined"
    assert figures["day_surgery"]["value"] is None
