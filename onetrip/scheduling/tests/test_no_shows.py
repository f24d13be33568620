"""No-shows (R-APPT-5) with a frozen clock: a booking not checked in 30 minutes after its slot
ends is a no-show; three within 90 days suspend online booking (app, phone, kiosk) for 90 days
from the third; the window still books; staff may exempt a no-show with a reason."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetrip.conftest import SHANGHAI, actor_for
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.scheduling.models import Appointment, ClinicSession
from onetrip.scheduling.policy import DEFAULT_POLICY, BookingPolicy
from onetrip.scheduling.services import schedule
from onetrip.scheduling.services.booking import (
    BookingRefused,
    exempt_no_show,
    no_show_times,
    suspension_after,
    suspension_ends,
)
from onetrip.scheduling.tests.helpers import first_slot, refused, session_on

# 08:00–08:10 on Thursday 26 November, plus 30 minutes: the third no-show.
THIRD_NO_SHOW = dt.datetime(2026, 11, 26, 8, 40, tzinfo=SHANGHAI)
SUSPENDED_UNTIL = dt.datetime(2027, 2, 24, 8, 40, tzinfo=SHANGHAI)


@pytest.fixture
def missed(sessions, book):
    """Tuesday, Wednesday and Thursday's 08:00 bookings, none of them kept."""
    return [book(first_slot(session_on(sessions, day))) for day in (1, 2, 3)]


def patient_id(appointments) -> int:
    return appointments[0].patient_id


@pytest.mark.django_db
def test_a_booking_not_checked_in_half_an_hour_after_its_slot_is_a_no_show(missed):
    at = dt.datetime(2026, 11, 24, 8, 40, tzinfo=SHANGHAI)  # Tuesday 08:10 + 30 minutes
    just_before = at - dt.timedelta(seconds=1)
    assert no_show_times(patient_id(missed), DEFAULT_POLICY, just_before) == []
    assert no_show_times(patient_id(missed), DEFAULT_POLICY, at) == [at]


@pytest.mark.django_db
def test_checked_in_or_cancelled_bookings_are_not_no_shows(missed, clock):
    Appointment.objects.filter(pk=missed[0].pk).update(status="checked_in")
    Appointment.objects.filter(pk=missed[1].pk).update(status="cancelled")
    clock.set(THIRD_NO_SHOW)
    assert no_show_times(patient_id(missed), DEFAULT_POLICY, THIRD_NO_SHOW) == [THIRD_NO_SHOW]


@pytest.mark.django_db
def test_three_no_shows_suspend_online_booking_for_ninety_days_from_the_third(
    missed, sessions, book, clock
):
    just_before = THIRD_NO_SHOW - dt.timedelta(seconds=1)
    assert suspension_ends(patient_id(missed), DEFAULT_POLICY, just_before) is None
    clock.set(THIRD_NO_SHOW)
    assert suspension_ends(patient_id(missed), DEFAULT_POLICY, THIRD_NO_SHOW) == SUSPENDED_UNTIL
    before = Appointment.objects.count()
    with pytest.raises(BookingRefused) as refusal:
        book(first_slot(session_on(sessions, 7)))
    assert refusal.value.code == "suspended"
    assert "2027-02-24" in str(refusal.value.message)
    assert Appointment.objects.count() == before


@pytest.mark.django_db
def test_suspension_covers_the_phone_but_not_the_window(
    missed, sessions, book, clerk, make_staff, tertiary, clock
):
    clock.set(THIRD_NO_SHOW)
    slot = first_slot(session_on(sessions, 7))
    service_centre = actor_for(make_staff("service_centre", tertiary))
    assert refused(lambda: book(slot, channel="phone", actor=service_centre)) == "suspended"
    assert book(slot, channel="window", actor=clerk).status == "booked"


@pytest.mark.django_db
def test_online_booking_works_again_after_ninety_days(missed, book, tertiary, clock):
    clock.set(SUSPENDED_UNTIL - dt.timedelta(minutes=1))
    schedule.generate_sessions(
        institution_id=tertiary.pk,
        date_from=dt.date(2027, 2, 24),
        date_to=dt.date(2027, 3, 5),
        actor=SYSTEM,
    )
    thursday = ClinicSession.objects.get(date=dt.date(2027, 2, 25))
    assert refused(lambda: book(first_slot(thursday))) == "suspended"
    clock.set(SUSPENDED_UNTIL)
    assert book(first_slot(thursday)).status == "booked"


@pytest.mark.django_db
def test_an_exempted_no_show_does_not_count(missed, sessions, book, clerk, clock):
    clock.set(THIRD_NO_SHOW)
    exempted = exempt_no_show(missed[1].pk, " 患者住院，有证明 ", actor=clerk)
    assert exempted.no_show_exempt_reason == "患者住院，有证明"
    assert suspension_ends(patient_id(missed), DEFAULT_POLICY, THIRD_NO_SHOW) is None
    assert book(first_slot(session_on(sessions, 7))).status == "booked"


@pytest.mark.django_db
def test_an_exemption_needs_the_permission_a_reason_and_a_missed_booking(
    missed, make_staff, tertiary, clerk, clock
):
    clock.set(THIRD_NO_SHOW - dt.timedelta(minutes=1))
    nurse = actor_for(make_staff("nurse", tertiary))
    with pytest.raises(PermissionDenied):
        exempt_no_show(missed[0].pk, "生病", actor=nurse)
    with pytest.raises(InvalidInput) as refusal:
        exempt_no_show(missed[0].pk, "  ", actor=clerk)
    assert refusal.value.errors[0].field == "reason"
    with pytest.raises(BookingRefused) as refusal:  # Thursday's is not missed yet
        exempt_no_show(missed[2].pk, "生病", actor=clerk)
    assert refusal.value.code == "not_no_show"
    assert not Appointment.objects.exclude(no_show_exempt_reason="").exists()


# --- the rule itself, against a brute force over every combination of no-shows ---------------


def brute_force_end(times, policy: BookingPolicy, now: dt.datetime) -> dt.datetime | None:
    window = dt.timedelta(days=policy.no_show_window_days)
    ends = [
        run[-1] + dt.timedelta(days=policy.suspension_days)
        for run in itertools.combinations(times, policy.no_show_limit)
        if policy.no_show_limit and run[-1] - run[0] <= window
    ]
    latest = max(ends, default=None)
    return latest if latest is not None and latest > now else None


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=400 * 24 * 60), max_size=7),
    since_last=st.integers(min_value=0, max_value=200 * 24 * 60),
    limit=st.integers(min_value=0, max_value=4),
    window=st.integers(min_value=0, max_value=120),
    suspension=st.integers(min_value=0, max_value=120),
)
def test_suspension_follows_the_latest_run_of_no_shows(
    offsets, since_last, limit, window, suspension
):
    start = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
    times = sorted(start + dt.timedelta(minutes=m) for m in offsets)
    now = (times[-1] if times else start) + dt.timedelta(minutes=since_last)
    policy = BookingPolicy(
        no_show_limit=limit, no_show_window_days=window, suspension_days=suspension
    )
    assert suspension_after(times, policy, now) == brute_force_end(times, policy, now)


def test_exactly_ninety_days_apart_still_counts():
    first = dt.datetime(2026, 1, 1, 9, 0, tzinfo=SHANGHAI)
    third = first + dt.timedelta(days=90)
    times = [first, first + dt.timedelta(days=45), third]
    assert suspension_after(times, DEFAULT_POLICY, third) == third + dt.timedelta(days=90)
    later = [first, first + dt.timedelta(days=45), third + dt.timedelta(seconds=1)]
    assert suspension_after(later, DEFAULT_POLICY, third + dt.timedelta(seconds=1)) is None
