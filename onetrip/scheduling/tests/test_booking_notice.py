"""A booking's notice is queued by `scheduling_book` in the booking's own statement on
PostgreSQL (D270): the same outbox row `booking._notify_booked` writes through
`notifications.notify`, field for field. The function masks the names both mask alike (all CJK,
or ASCII words); for any other name Python queues the notice, as on SQLite."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from onetrip.consortium import services as consortium
from onetrip.consortium.models import DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.core.masking import mask_name
from onetrip.notifications.models import Notification
from onetrip.scheduling.models import Appointment, booking_number_for
from onetrip.scheduling.services import booking, booking_database
from onetrip.scheduling.tests.helpers import person, session_on

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL twin runs on PostgreSQL"),
]

NAME_CHARACTERS = "张王李欧阳修文𠀀丽豈 abcXYZ_09é-'\t\u3000"


def sql_value(function: str, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [value])
        return cursor.fetchone()[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=NAME_CHARACTERS, max_size=8))
def test_the_sql_masks_a_name_as_python_does_or_leaves_it_to_python(name):
    masked = sql_value("scheduling_masked_name", name)
    assert masked is None or masked == mask_name(name)


@pytest.mark.parametrize("name", ["张伟", "王", "欧阳修文", "𠀀丽", "Li Wei", "anne_marie 2"])
def test_the_usual_names_are_masked_in_sql(name):
    assert sql_value("scheduling_masked_name", name) == mask_name(name)


@pytest.mark.parametrize("name", ["José", " 张伟", "张 伟", "Li  Wei", "O'Neil", ""])
def test_other_names_are_left_to_python(name):
    assert sql_value("scheduling_masked_name", name) is None


@pytest.mark.parametrize("pk", [1, 7, 42, 12345678, 99999999, 100000000, 9876543210123])
def test_the_sql_booking_number_is_the_models(pk):
    assert sql_value("scheduling_booking_number", pk) == booking_number_for(pk)


def time_of(session, n: int):
    return session.slots.order_by("starts_at")[n]


def notice_row(appointment: Appointment) -> dict:
    row = Notification.objects.filter(
        template="appointment_booked", dedup_key__contains=f":{appointment.pk}:"
    )
    values = row.values().get()
    values.pop("id")
    return values


def python_notice(appointment: Appointment) -> dict:
    """The row `_notify_booked` writes for the same booking, in place of the function's."""
    with transaction.atomic():
        Notification.objects.filter(template="appointment_booked").delete()
        booking._notify_booked(appointment, appointment.patient.phone)
        written = notice_row(appointment)
        transaction.set_rollback(True)
    return written


@pytest.mark.parametrize("name", ["张伟", "欧阳修文", "José Li"])
def test_a_booking_queues_the_notice_python_would_in_its_one_statement(
    name, sessions, register, clerk, clock
):
    patient = person(register, 3, name=name)
    slot = time_of(session_on(sessions, 2), 3)

    with CaptureQueriesContext(connection) as sent:
        appointment = booking.book_slot(
            booking.BookingRequest(patient_id=patient.pk, slot_id=slot.pk, channel="window"),
            actor=clerk,
        )

    in_python = "notifications_notification" in " ".join(q["sql"] for q in sent.captured_queries)
    assert in_python == (name == "José Li")  # only the name the SQL leaves to Python
    written = notice_row(appointment)
    assert written == python_notice(appointment)
    assert written["params"]["number"] == appointment.booking_number
    assert written["params"]["path"] == f"/p/appointments/{appointment.pk}"


def test_a_hold_queues_no_notice_and_a_retry_no_second(sessions, register, clerk):
    patient = person(register, 4)
    request = booking.BookingRequest(
        patient_id=patient.pk,
        slot_id=time_of(session_on(sessions, 2), 4).pk,
        channel="window",
        idempotency_key="notice-once",
    )
    first = booking.book_slot(request, actor=clerk)
    again = booking.book_slot(request, actor=clerk)
    held = booking.book_slot(
        booking.BookingRequest(
            patient_id=patient.pk,
            slot_id=time_of(session_on(sessions, 3), 4).pk,
            channel="window",
            hold=True,
        ),
        actor=clerk,
    )

    assert again.pk == first.pk
    assert held.status == "held"
    assert Notification.objects.filter(template="appointment_booked").count() == 1


@pytest.mark.parametrize("substitute", [False, True])
@pytest.mark.parametrize("hold", [False, True])
def test_the_booking_call_answers_what_the_details_read_gives(
    substitute, hold, sessions, register, clerk, medicine, monkeypatch
):
    """D281: `scheduling_book` builds a booking's details from the rows it read and wrote; they
    are what `scheduling_booking_details` reads right after, with a substitute or none."""
    session = session_on(sessions, 2)
    if substitute:
        session.substitute = consortium.add_doctor(
            medicine, name="周医生", title=DoctorTitle.ATTENDING, actor=SYSTEM
        )
        session.save(update_fields=["substitute"])
    seen = []
    decide = booking_database.decide

    def decide_and_read(**kwargs):
        decision = decide(**kwargs)
        read = sql_value("scheduling_booking_details", decision.appointment_id)
        seen.append((decision, json.loads(read)))
        return decision

    monkeypatch.setattr(booking_database, "decide", decide_and_read)
    booking.book_slot(
        booking.BookingRequest(
            patient_id=person(register, 5).pk,
            slot_id=time_of(session, 5).pk,
            channel="window",
            hold=hold,
        ),
        actor=clerk,
    )

    [(decision, read)] = seen
    assert decision.outcome == "booked"
    assert decision.detail["booking"] == read
    assert (read["substitute"] is not None) == substitute
