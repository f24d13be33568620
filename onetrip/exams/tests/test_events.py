"""The domain events exams emit (R-KPI-1, R-KPI-2), through the real services: ordered, booked
(time-slotted), checked in and started with the minutes waited, cancelled, no-show."""

import datetime as dt

import pytest

from onetrip.conftest import actor_for
from onetrip.consortium.models import Doctor
from onetrip.core.models import DomainEvent
from onetrip.exams import planning, services
from onetrip.exams.tests.test_planning import book, choices, order

pytestmark = pytest.mark.django_db


def events(kind):
    return list(DomainEvent.objects.filter(kind=kind).order_by("id"))


def test_an_order_names_the_ordering_doctors_department(exam_setup, doctor_actor):
    made = order(exam_setup, doctor_actor, "ECG")
    [event] = events("exam.ordered")
    department_id = Doctor.objects.get(user=doctor_actor.user).department_id
    assert (event.patient_id, event.institution_id, event.department_id) == (
        exam_setup.patient.pk,
        made.performing_institution_id,
        department_id,
    )
    assert (event.on_site, event.data) == (
        False,
        {
            "order_id": made.pk,
            "item_code": "ECG",
            "ordering_institution_id": made.ordering_institution_id,
        },
    )


def test_a_booked_plan_is_one_time_slotted_event_per_exam(exam_setup, doctor_actor):
    ultrasound = order(exam_setup, doctor_actor, "US_ABD")
    ecg = order(exam_setup, doctor_actor, "ECG")
    services.confirm_plan(
        exam_setup.patient.pk,
        choices(planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor)),
        actor=doctor_actor,
    )
    booked = {event.data["order_id"]: event for event in events("exam.booked")}
    assert set(booked) == {ultrasound.pk, ecg.pk}
    ecg.refresh_from_db()
    assert dt.datetime.fromisoformat(booked[ecg.pk].data["starts_at"]) == ecg.starts_at
    assert booked[ecg.pk].data["device_id"] == ecg.device_id
    for event in booked.values():
        assert (event.data["time_slotted"], event.data["rescheduled"]) == (True, False)
        assert event.on_site is False


def test_check_in_and_start_are_on_site_with_the_minutes_waited(
    exam_setup, doctor_actor, make_staff, tertiary, clock
):
    nurse = actor_for(make_staff("nurse", tertiary))
    booked = book(exam_setup, doctor_actor, "ECG")
    services.check_in_exam(booked.pk, actor=nurse)
    clock.advance(dt.timedelta(minutes=12))
    services.start_exam(booked.pk, actor=nurse)
    [checked_in] = events("exam.checked_in")
    [started] = events("exam.started")
    assert checked_in.on_site
    assert started.on_site
    assert started.data["waited_minutes"] == 12


def test_cancellation_and_no_show_are_events(exam_setup, doctor_actor, clock):
    cancelled = book(exam_setup, doctor_actor, "US_THYROID")
    services.cancel_exam(cancelled.pk, reason="患者要求", actor=doctor_actor)
    missed = book(exam_setup, doctor_actor, "ECG")
    clock.advance(dt.timedelta(days=1))
    services.mark_no_shows()
    [cancel] = events("exam.cancelled")
    [no_show] = events("exam.no_show")
    assert (cancel.data["order_id"], cancel.data["reason"]) == (cancelled.pk, "患者要求")
    assert no_show.data["order_id"] == missed.pk
    assert not cancel.on_site
    assert not no_show.on_site
