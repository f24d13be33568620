"""The patient's "today" page and the staff episode timeline, and their JSON (R-KPI-2): what a
patient sees to do next, with time and place; what staff see of an episode."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from onetrip.conftest import NOW
from onetrip.exams import services as exams
from onetrip.journey import today
from onetrip.journey.tests.test_services import first_visit, pay_registration
from onetrip.scheduling.tests.helpers import book_at, session_on, sign_in_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, patient_actor):
    actor, patient = patient_actor
    sign_in_patient(client, actor.account_id)
    return client, actor, patient


def test_today_lists_check_in_with_time_and_place_then_what_is_coming(
    clock, sessions, desk, clerk, signed_in
):
    client, actor, patient = signed_in
    session = session_on(sessions, 0)
    book_at(clerk, patient, session, "10:00")
    later = book_at(clerk, patient, session_on(sessions, 2), "09:00")
    order = exams.place_exam_order(patient_id=patient.pk, item_code="US_ABD", actor=desk.doctor)
    pay_registration(desk, patient, session, mode="window", channel="cash")

    steps = today.next_steps(actor=actor)
    # The two window bookings' fees are on their bills (issue 15): paying them is a step.
    assert [(s.kind, s.is_today) for s in steps] == [
        ("check_in", True),
        ("payment", True),
        ("payment", True),
        ("appointment", False),
        ("exam_to_book", False),
    ]
    check_in = steps[0]
    assert check_in.at == NOW  # check-in opens 30 minutes before the 10:00 slot
    assert "内科" in check_in.place
    assert order.item.preparation in steps[4].detail

    with translation.override("zh-hans"):
        page = client.get("/p/today").content.decode()
    assert "<h1>今日</h1>" in page
    assert "09:30" in page
    assert later.booking_number in page


def test_a_bill_to_pay_is_a_step_and_in_the_api(clock, sessions, desk, signed_in):
    client, actor, patient = signed_in
    from onetrip.billing.services import charges

    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=desk.cashier.institution_id,
            visit_reference="MZ1",
            item_code="REG01",
            quantity=1,
            source="registration",
            source_key="reg-1",
        ),
        actor=desk.cashier,
    )
    [step] = today.next_steps(actor=actor)
    assert (step.kind, step.title) == ("payment", "待缴费¥10.00")
    assert step.url.startswith("/p/bills/")

    response = client.get("/api/journey/me/today")
    assert response.status_code == 200
    assert [s["kind"] for s in response.json()] == ["payment"]


def test_today_needs_sign_in(client):
    assert client.get("/p/today").status_code == 302
    assert client.get("/api/journey/me/today").status_code == 401


def test_staff_see_the_timeline_with_trips_and_waiting(
    clock, sessions, desk, clerk, register, client
):
    patient = register()
    session = session_on(sessions, 0)
    first_visit(clock, desk, clerk, patient, session)
    clock.advance(dt.timedelta(days=2))
    client.force_login(desk.nurse.user)

    with translation.override("zh-hans"):
        page = client.get(f"/staff/patients/{patient.pk}/journey").content.decode()
    assert "张伟的就医行程" in page
    assert 'class="trips">1 (11-23)' in page
    assert "平均7分钟" in page

    response = client.get(f"/api/journey/patients/{patient.pk}/episodes")
    assert response.status_code == 200
    [episode] = response.json()
    assert (episode["trips"], episode["mean_waited_minutes"]) == (1, 7.0)
    assert [t["kind"] for t in episode["timeline"]] == [
        "appointment.booked",
        "visit.checked_in",
        "visit.called",
        "consultation.started",
    ]
    assert episode["timeline"][0]["reason"]


def test_another_institutions_staff_cannot_read_the_journey(
    clock, sessions, desk, clerk, register, client, make_staff, township
):
    patient = register()
    first_visit(clock, desk, clerk, patient, session_on(sessions, 0))
    client.force_login(make_staff("nurse", township).user)
    assert client.get(f"/staff/patients/{patient.pk}/journey").status_code == 404
    assert client.get(f"/api/journey/patients/{patient.pk}/episodes").status_code == 404
