"""Session generation (R-APPT-1/2/3): weekly templates become sessions cut into minute-precise
slots, leave and holidays skip days, running it again is harmless, and each session's capacity
is split into channel pools by the rules in force."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Sum
from django.utils import timezone

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.scheduling import queries
from onetrip.scheduling.models import (
    ClinicSession,
    ScheduleException,
    SchedulingPolicy,
    Slot,
    SlotPool,
)
from onetrip.scheduling.policy import DEFAULT_POLICY
from onetrip.scheduling.services import disruption, schedule
from onetrip.scheduling.tests.helpers import add_doctor_sessions, first_slot, session_on

pytestmark = pytest.mark.django_db


def times(session: ClinicSession) -> list[str]:
    return [
        f"{timezone.localtime(s.starts_at):%H:%M}–{timezone.localtime(s.ends_at):%H:%M}"
        for s in session.slots.order_by("starts_at")
    ]


def generate(institution, date_from: dt.date, date_to: dt.date) -> int:
    return schedule.generate_sessions(
        institution_id=institution.pk, date_from=date_from, date_to=date_to, actor=SYSTEM
    )


def pool_totals(session: ClinicSession) -> Counter:
    rows = SlotPool.objects.filter(slot__session=session).values_list("kind", "capacity")
    totals: Counter = Counter()
    for kind, capacity in rows:
        totals[kind] += capacity
    return totals


def test_sessions_run_on_their_weekdays_in_minute_precise_slots(sessions):
    assert [s.date.isoformat() for s in sessions[:6]] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
    ]
    assert sessions.count() == 15  # three Monday-to-Friday weeks
    starts = [dt.datetime(2026, 11, 23, 8, 0) + dt.timedelta(minutes=10 * i) for i in range(18)]
    slots = times(session_on(sessions, 0))
    assert slots == [f"{s:%H:%M}–{s + dt.timedelta(minutes=10):%H:%M}" for s in starts]
    assert (slots[0], slots[-1]) == ("08:00–08:10", "10:50–11:00")


def test_odd_times_keep_their_minutes_and_a_short_tail_is_left_out(medicine):
    quarter = add_doctor_sessions(
        medicine,
        name="周医生",
        weekday=1,
        start_time=dt.time(13, 35),
        end_time=dt.time(15, 5),
        slot_minutes=15,
    )
    assert times(quarter.first()) == [
        "13:35–13:50",
        "13:50–14:05",
        "14:05–14:20",
        "14:20–14:35",
        "14:35–14:50",
        "14:50–15:05",
    ]
    twenty = add_doctor_sessions(
        medicine,
        name="吴医生",
        weekday=2,
        start_time=dt.time(13, 35),
        end_time=dt.time(15, 0),
        slot_minutes=20,
    )
    assert times(twenty.first()) == ["13:35–13:55", "13:55–14:15", "14:15–14:35", "14:35–14:55"]


def test_leave_and_holidays_skip_days(sessions, doctor, medicine, tertiary, township):
    add_doctor_sessions(medicine, name="王医生", weekday=0)
    ScheduleException.objects.create(
        institution=tertiary,
        doctor=doctor,
        date_from=dt.date(2026, 12, 14),
        date_to=dt.date(2026, 12, 16),
        reason="学术会议",
    )
    ScheduleException.objects.create(
        institution=tertiary,
        date_from=dt.date(2026, 12, 18),
        date_to=dt.date(2026, 12, 18),
        reason="院庆",
    )
    ScheduleException.objects.create(
        institution=township,
        date_from=dt.date(2026, 12, 17),
        date_to=dt.date(2026, 12, 17),
        reason="乡镇假日",
    )
    assert generate(tertiary, dt.date(2026, 12, 14), dt.date(2026, 12, 20)) == 2
    assert list(
        ClinicSession.objects.filter(date__gte=dt.date(2026, 12, 14))
        .order_by("date")
        .values_list("doctor__name", "date")
    ) == [("王医生", dt.date(2026, 12, 14)), ("李医生", dt.date(2026, 12, 17))]


def test_generating_again_is_harmless(sessions, book, tertiary):
    appointment = book(first_slot(session_on(sessions, 7)))
    counts = (ClinicSession.objects.count(), Slot.objects.count(), SlotPool.objects.count())
    booked = SlotPool.objects.aggregate(n=Sum("booked"))["n"]
    assert generate(tertiary, NOW.date(), NOW.date() + dt.timedelta(days=20)) == 0
    assert (ClinicSession.objects.count(), Slot.objects.count(), SlotPool.objects.count()) == counts
    assert SlotPool.objects.aggregate(n=Sum("booked"))["n"] == booked == 1
    assert appointment.pool.slot_id == first_slot(session_on(sessions, 7)).pk


def test_default_split_keeps_80_percent_online_and_40_percent_of_that_for_primary_care(sessions):
    for session in sessions:
        totals = pool_totals(session)
        assert totals == Counter(primary_care=12, shared_online=18, window=3, in_clinic=2, phone=1)
        online = totals["primary_care"] + totals["shared_online"]
        assert online * 100 >= 80 * 36
        assert totals["primary_care"] * 100 >= 40 * online
        per_slot = (
            SlotPool.objects.filter(slot__session=session)
            .values("slot_id")
            .annotate(n=Sum("capacity"))
        )
        assert [row["n"] for row in per_slot] == [2] * 18


def test_a_policy_override_changes_the_split_most_specific_first(tertiary):
    surgery = consortium.add_department(tertiary, code="SU", name="外科", actor=SYSTEM)
    shares = dict.fromkeys(DEFAULT_POLICY.pool_shares, 0)
    SchedulingPolicy.objects.create(
        institution=tertiary, rules={"pool_shares": {**shares, "window": 100}, "window_days": 7}
    )
    SchedulingPolicy.objects.create(
        institution=tertiary,
        department=surgery,
        rules={"pool_shares": {**shares, "primary_care": 50, "shared_online": 50}},
    )
    sessions = add_doctor_sessions(surgery, name="赵医生", weekday=0)
    assert pool_totals(sessions.first()) == Counter(primary_care=12, shared_online=12)
    policy = schedule.session_policy(sessions.first())
    assert (policy.window_days, policy.pool_shares["primary_care"]) == (7, 50)


@pytest.mark.parametrize(
    ("rules", "field", "code"),
    [
        ({"pool_shares": {"primary_care": 50, "shared_online": 50}}, "pool_shares", "invalid"),
        ({"pool_shares": {**DEFAULT_POLICY.pool_shares, "window": 11}}, "pool_shares", "invalid"),
        (
            {"pool_shares": {**DEFAULT_POLICY.pool_shares, "window": "10"}},
            "pool_shares",
            "invalid",
        ),
        (
            {"pool_shares": {**DEFAULT_POLICY.pool_shares, "window": 20, "kiosk": -8}},
            "pool_shares",
            "invalid",
        ),
        ({"release_time": "7am"}, "release_time", "invalid"),
        ({"release_time": 7}, "release_time", "invalid"),
        ({"window_days": -1}, "window_days", "invalid"),
        ({"window_days": "14"}, "window_days", "invalid"),
        ({"hold_minutes": True}, "hold_minutes", "invalid"),
        ({"daily_cap": None, "cancel_deadline": "25:00"}, "cancel_deadline", "invalid"),
        ({"window": 14}, "window", "unknown"),
    ],
)
def test_invalid_overrides_name_the_field(rules, field, code):
    with pytest.raises(InvalidInput) as refusal:
        DEFAULT_POLICY.with_overrides(rules)
    assert [(e.field, e.code) for e in refusal.value.errors] == [(field, code)]


def test_a_stored_invalid_override_stops_generation_naming_the_field(tertiary, medicine, doctor):
    SchedulingPolicy.objects.create(
        institution=tertiary, department=medicine, rules={"pool_shares": {"window": 100}}
    )
    with pytest.raises(InvalidInput) as refusal:
        add_doctor_sessions(medicine, name="王医生", weekday=0)
    assert refusal.value.errors[0].field == "pool_shares"
    assert not ClinicSession.objects.exists()


def test_only_schedulers_generate_and_at_most_three_months_at_once(tertiary, make_staff, clerk):
    with pytest.raises(PermissionDenied):
        schedule.generate_sessions(
            institution_id=tertiary.pk, date_from=NOW.date(), date_to=NOW.date(), actor=clerk
        )
    admin = actor_for(make_staff("sysadmin", tertiary))
    with pytest.raises(InvalidInput) as refusal:
        schedule.generate_sessions(
            institution_id=tertiary.pk,
            date_from=NOW.date(),
            date_to=NOW.date() + dt.timedelta(days=93),
            actor=admin,
        )
    assert refusal.value.errors[0].field == "date_to"
    assert (
        schedule.generate_sessions(
            institution_id=tertiary.pk,
            date_from=NOW.date(),
            date_to=NOW.date() + dt.timedelta(days=92),
            actor=admin,
        )
        == 0
    )


def test_open_capacity_by_day_is_what_the_open_pools_hold_after_a_stop(sessions, clerk):
    """The indicators read a session's capacity by kind (D239); it must equal the pools'."""
    stopped = session_on(sessions, 8)
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    start, end = NOW.date(), NOW.date() + dt.timedelta(days=21)

    pools: Counter = Counter()
    for pool in SlotPool.objects.filter(is_open=True).select_related("department"):
        day = timezone.localdate(pool.starts_at)
        if start <= day < end:
            pools[pool.department.institution_id, pool.department_id, day, pool.kind] += (
                pool.capacity
            )
    read = {
        (institution, department, day, kind): capacity
        for institution, department, day, kind, capacity in queries.open_capacity_by_day_and_kind(
            start, end
        )
    }
    assert read == {key: value for key, value in pools.items() if value}
    assert not any(key[2] == stopped.date for key in read)
    assert len({key[2] for key in read}) == sessions.count() - 1
