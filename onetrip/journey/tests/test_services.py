"""Trips and queueing per episode (R-KPI-2) from what the real services recorded: a patient books
at the window, checks in, waits, is seen, has an exam ordered and booked, pays at a kiosk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.billing.services import charges
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditEvent
from onetrip.exams import planning
from onetrip.exams import services as exams
from onetrip.exams.services import SlotChoice
from onetrip.journey import services
from onetrip.journey.services import EpisodeTrips
from onetrip.scheduling.services import booking, queue
from onetrip.scheduling.tests.helpers import book_at, person, session_on

pytestmark = pytest.mark.django_db


def first_visit(clock, desk, clerk, patient, session):
    """Booked at the window for 10:00, checked in at 09:30, called at 09:37, seen."""
    appointment = book_at(clerk, patient, session, "10:00")
    queue.check_in(
        booking_number=appointment.booking_number,
        institution_id=session.institution_id,
        actor=desk.nurse,
    )
    clock.advance(dt.timedelta(minutes=7))
    queue.call_next(session.pk, actor=desk.nurse)
    queue.start_consultation(appointment.pk, actor=desk.doctor)
    return appointment


def pay_registration(desk, patient, session, *, mode="kiosk", channel="bank_card"):
    bill = charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=session.institution_id,
            visit_reference=f"MZ{patient.pk}",
            item_code="REG01",
            quantity=1,
            source="registration",
            source_key=f"reg-{patient.pk}",
        ),
        actor=desk.cashier,
    ).bill
    return settle(bill, desk.cashier, channel=channel, mode=mode, reference="POS1")


def test_a_visit_with_an_exam_counts_its_trips_and_queueing(clock, sessions, desk, clerk, register):
    patient = register()
    session = session_on(sessions, 0)
    first_visit(clock, desk, clerk, patient, session)
    order = exams.place_exam_order(patient_id=patient.pk, item_code="ECG", actor=desk.doctor)
    proposal = planning.propose_plan(patient.pk, actor=desk.doctor)
    [exam] = proposal.exams
    exams.confirm_plan(
        patient.pk, [SlotChoice(order.pk, exam.device.pk, exam.starts_at)], actor=desk.doctor
    )
    pay_registration(desk, patient, session)

    [row] = services.episode_trips(start=NOW.date(), end=NOW.date())
    assert row == EpisodeTrips(
        episode_key=row.episode_key,
        patient_id=patient.pk,
        institution_id=session.institution_id,
        department_id=session.department_id,
        opened_on=NOW.date(),
        trips=1,
        visits=1,
        waited_minutes=7,
    )

    # The exam day: checked in at the exam desk is on site; a second trip unless it is today.
    clock.set(exam.starts_at - dt.timedelta(minutes=10))
    exams.check_in_exam(order.pk, actor=desk.nurse)
    exam_day = timezone.localdate(exam.starts_at)
    [row] = services.episode_trips(start=NOW.date(), end=NOW.date())
    assert row.trips == len({NOW.date(), exam_day})


def test_a_phone_payment_adds_no_trip_and_a_cancelled_booking_no_episode(
    clock, sessions, desk, clerk, register, book, patient_actor
):
    patient = person(register, 2)
    session = session_on(sessions, 0)
    first_visit(clock, desk, clerk, patient, session)
    clock.advance(dt.timedelta(days=1))
    settlement = pay_registration(desk, patient, session, mode="mobile", channel="wechat")
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    actor, _own = patient_actor
    cancelled = book(session_on(sessions, 7).slots.first())
    booking.cancel_appointment(cancelled.pk, actor=actor)

    rows = services.episode_trips(start=NOW.date(), end=NOW.date() + dt.timedelta(days=1))
    assert [(r.patient_id, r.trips) for r in rows] == [(patient.pk, 1)]


def test_periods_and_institutions_filter_by_where_and_when_episodes_opened(
    clock, sessions, desk, clerk, register, township
):
    patient = register()
    session = session_on(sessions, 0)
    first_visit(clock, desk, clerk, patient, session)
    day = dt.timedelta(days=1)
    assert services.episode_trips(start=NOW.date() + day, end=NOW.date() + 2 * day) == []
    assert (
        services.episode_trips(start=NOW.date(), end=NOW.date(), institution_id=township.pk) == []
    )
    assert (
        len(
            services.episode_trips(
                start=NOW.date(), end=NOW.date(), institution_id=session.institution_id
            )
        )
        == 1
    )
    with pytest.raises(InvalidInput) as refused:
        services.episode_trips(start=NOW.date(), end=NOW.date() - day)
    assert refused.value.errors[0].field == "end"


def test_staff_read_a_patients_journey_and_the_view_is_audited(
    clock, sessions, desk, clerk, register, make_staff, township
):
    from onetrip.conftest import actor_for

    patient = register()
    first_visit(clock, desk, clerk, patient, session_on(sessions, 0))
    found, episodes = services.patient_journey(patient.pk, actor=desk.nurse)
    assert found == patient
    assert [e.trips for e in episodes] == [1]
    assert AuditEvent.objects.filter(summary="care journey", patient_id=patient.pk).count() == 1
    elsewhere = actor_for(make_staff("nurse", township))
    with pytest.raises(NotFound):
        services.patient_journey(patient.pk, actor=elsewhere)
