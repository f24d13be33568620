"""What a channel can book at a moment (R-APPT-1/3): each pool's remaining count per slot, and
the next free slots of a department across doctors whose rules differ."""

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.conftest import NOW, SHANGHAI
from onetrip.scheduling.models import ClinicSession, SchedulingPolicy
from onetrip.scheduling.services import availability
from onetrip.scheduling.tests.helpers import add_doctor_sessions, first_slot, session_on

pytestmark = pytest.mark.django_db


def local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%m-%d %H:%M}"


def test_each_slot_shows_every_pool_and_what_the_channel_may_take(sessions, book):
    session = session_on(sessions, 8)
    slot = first_slot(session)
    book(slot)
    views = availability.session_slots(session, "app", NOW)
    assert len(views) == 18
    first = views[0]
    assert (first.slot_id, first.starts_at, first.ends_at) == (
        slot.pk,
        slot.starts_at,
        slot.ends_at,
    )
    # The online unit is taken; the primary-care one is not open to the app until 3 days ahead.
    assert (first.remaining, first.pools) == (0, {"primary_care": 1, "shared_online": 0})
    third = views[2]
    assert (third.remaining, third.pools) == (1, {"shared_online": 1, "window": 1})
    at_window = availability.session_slots(session, "window", NOW)[2]
    assert at_window.remaining == 2


def test_past_times_and_stopped_sessions_offer_nothing(sessions):
    today = session_on(sessions, 0)
    views = availability.session_slots(today, "app", NOW)
    assert [local(v.starts_at) for v in views if v.remaining] == [
        local(v.starts_at) for v in views if v.starts_at > NOW
    ]
    assert local(next(v for v in views if v.remaining).starts_at) == "11-23 09:40"
    ClinicSession.objects.filter(pk=today.pk).update(status="stopped")
    today.refresh_from_db()
    stopped = availability.session_slots(today, "app", NOW)
    assert [v.remaining for v in stopped] == [0] * 18
    assert sum(sum(v.pools.values()) for v in stopped) == 36  # the pools are still shown


def test_next_available_gives_the_earliest_open_slots_first(sessions, medicine):
    found = availability.next_available(
        department_ids=[medicine.pk], channel="app", now=NOW, limit=3
    )
    assert [local(n.starts_at) for n in found] == ["11-23 09:40", "11-23 09:50", "11-23 10:00"]
    assert {(n.department_id, n.doctor_id) for n in found} == {(medicine.pk, sessions[0].doctor_id)}


def test_next_available_looks_past_a_doctor_whose_own_rules_close_the_earliest_slots(
    sessions, doctor, medicine, tertiary
):
    SchedulingPolicy.objects.create(institution=tertiary, doctor=doctor, rules={"window_days": 7})
    saturdays = add_doctor_sessions(
        medicine, name="王医生", weekday=5, valid_from=NOW.date() + dt.timedelta(days=6)
    )
    # Nothing of the first doctor's is left within their own 7-day window.
    sessions.filter(date__lte=NOW.date() + dt.timedelta(days=7)).update(status="stopped")
    found = availability.next_available(department_ids=[medicine.pk], channel="app", now=NOW)
    assert len(found) == 10
    assert {n.session_id for n in found} == {saturdays.first().pk}
    assert local(found[0].starts_at) == "12-05 14:00"


def test_next_available_honours_rules_that_combine_scopes(sessions, medicine, tertiary, clock):
    # The institution opens 18 days ahead; the department releases at 06:00 instead of 07:00.
    SchedulingPolicy.objects.create(institution=tertiary, rules={"window_days": 18})
    SchedulingPolicy.objects.create(
        institution=tertiary, department=medicine, rules={"release_time": "06:00"}
    )
    last_day = NOW.date() + dt.timedelta(days=18)
    sessions.exclude(date=last_day).update(status="stopped")
    now = dt.datetime(2026, 11, 23, 6, 30, tzinfo=SHANGHAI)
    clock.set(now)
    found = availability.next_available(department_ids=[medicine.pk], channel="app", now=now)
    assert [local(n.starts_at) for n in found][:2] == ["12-11 08:00", "12-11 08:10"]
    assert availability.session_slots(sessions.get(date=last_day), "app", now)[0].remaining == 1


def test_the_slot_list_by_id_is_one_statement_and_answers_as_session_slots(
    sessions, book, doctor, medicine, tertiary, django_assert_num_queries
):
    """`session_slots_by_id` (one statement on PostgreSQL, D242) against `session_slots` (the
    ORM): overrides at three levels, a booked unit, an expired hold, a substitute, a stopped
    session, several channels and moments."""
    SchedulingPolicy.objects.create(institution=tertiary, rules={"window_days": 18})
    SchedulingPolicy.objects.create(
        institution=tertiary, department=medicine, rules={"release_time": "06:00"}
    )
    SchedulingPolicy.objects.create(
        institution=tertiary, doctor=doctor, rules={"primary_care_release_days": 5}
    )
    session = session_on(sessions, 8)
    slot = first_slot(session)
    book(slot)
    far = session_on(sessions, 17)
    book(first_slot(far), hold=True)
    later = NOW + dt.timedelta(hours=1)  # the hold has expired by then
    today = session_on(sessions, 0)
    ClinicSession.objects.filter(pk=today.pk).update(substitute=doctor, status="stopped")
    for each in (session, today, far):
        each.refresh_from_db()
        for channel in ("app", "window", "primary_care"):
            for now in (NOW, later):
                with django_assert_num_queries(1):
                    found, views = availability.session_slots_by_id(each.pk, channel, now)
                assert found == each
                assert (found.doctor, found.substitute) == (each.doctor, each.substitute)
                assert (found.clinic, found.department, found.institution) == (
                    each.clinic,
                    each.department,
                    each.institution,
                )
                assert (found.date, found.status, found.starts_at) == (
                    each.date,
                    each.status,
                    each.starts_at,
                )
                assert views == availability.session_slots(each, channel, now)
    assert any(v.pools != {} for v in views)
    assert availability.session_slots_by_id(10**9, "app", NOW) is None
