"""Rollups are exactly a recomputation from raw records, whatever days were rolled up and
whatever arrived late (R-KPI-1 pre-aggregation)."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from onetrip.core.actors import SYSTEM
from onetrip.core.events import EventKind
from onetrip.core.models import DomainEvent
from onetrip.metrics import services
from onetrip.metrics.definitions import METRICS, Scope
from onetrip.metrics.models import DailyFigure, RolledUpDay, TodayFigure, TodayMark
from onetrip.metrics.periods import parse_period
from onetrip.metrics.tests.conftest import at
from onetrip.metrics.tests.test_figures import TODAY, recompute

K = EventKind
FIRST = dt.date(2026, 11, 1)
DAYS = (TODAY - FIRST).days + 1  # 1 … 23 November, today included

EVENT = st.one_of(
    st.tuples(
        st.just(K.VISIT_CHECKED_IN),
        st.fixed_dictionaries({"booking_id": st.one_of(st.none(), st.integers(1, 6))}),
    ),
    st.tuples(
        st.just(K.APPOINTMENT_BOOKED),
        st.fixed_dictionaries({"booking_id": st.integers(1, 6), "referral": st.booleans()}),
    ),
    st.tuples(
        st.just(K.VISIT_CALLED), st.fixed_dictionaries({"waited_minutes": st.integers(0, 90)})
    ),
    st.tuples(st.just(K.EXAM_BOOKED), st.fixed_dictionaries({"time_slotted": st.booleans()})),
    st.tuples(
        st.just(K.PAYMENT_SETTLED),
        st.fixed_dictionaries(
            {
                "mode": st.sampled_from(["in_clinic", "kiosk", "mobile", "window", "bedside"]),
                "clinic_id": st.one_of(st.none(), st.integers(0, 3)),
            }
        ),
    ),
)
RECORD = st.tuples(EVENT, st.integers(0, DAYS - 1), st.integers(0, 23), st.integers(0, 2))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    early=st.lists(RECORD, max_size=25),
    late=st.lists(RECORD, max_size=8),
    rolled=st.lists(st.tuples(st.integers(0, DAYS - 1), st.integers(1, 10)), max_size=3),
)
def test_rollups_equal_a_recomputation(clock, org, emit, early, late, rolled):
    DomainEvent.objects.all().delete()
    DailyFigure.objects.all().delete()
    RolledUpDay.objects.all().delete()
    TodayFigure.objects.all().delete()
    TodayMark.objects.all().delete()
    departments = [org.medicine, org.surgery, org.general]

    def write(records):
        for (kind, data), day, hour, department in records:
            data = dict(data)
            if "clinic_id" in data and data["clinic_id"] is not None:
                data["clinic_id"] = org.rooms[data["clinic_id"]].pk
            when = at(FIRST + dt.timedelta(days=day), hour)
            emit(kind, when, departments[department], data=data)

    write(early)
    for offset, length in rolled:
        start = FIRST + dt.timedelta(days=offset)
        services.refresh_rollups(start, start + dt.timedelta(days=length), actor=SYSTEM)
    write(late)  # after some days were rolled up: the figures must still see them once refreshed
    call_command("metrics_rollup", "--from", "2026-11-01", "--to", "2026-11-30", verbosity=0)

    period = parse_period("2026-11")
    for ids, department in (
        ((org.tertiary.pk, org.township.pk), None),
        ((org.township.pk,), None),
        ((org.tertiary.pk,), org.surgery.pk),
    ):
        expected = recompute(set(ids), period.start, period.end, department)
        found = {f.metric.code: f for f in services.figures(Scope(ids, department), period)}
        for metric in METRICS:
            if metric.code not in expected or metric.code == "online_sources":
                continue
            figure = found[metric.code]
            if figure.status == services.Status.NO_DATA:
                assert not any(
                    n or (d and m != "in_clinic_rooms") for m, (n, d) in expected.items()
                )
                continue
            assert (figure.numerator, figure.denominator) == expected[metric.code], metric.code
