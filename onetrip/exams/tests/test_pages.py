"""Exam pages: the plan at the doctor's desk right after ordering, the appointment-centre
console, the exam desk's check-in with waiting time, and the patient's pages (R-EXAM-1/3)."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.exams import services
from onetrip.exams.models import ExamOrder, OrderStatus
from onetrip.scheduling.tests.helpers import sign_in_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, doctor_actor):
    client.force_login(doctor_actor.user)
    return client


def test_the_doctor_orders_and_books_the_plan_at_the_desk(desk, exam_setup):
    url = f"/staff/exams/patients/{exam_setup.patient.pk}/plan"
    for code in ("US_ABD", "ECG"):
        desk.post(url, {"action": "order", "item_code": code})
    page = desk.get(url)
    assert page.status_code == 200
    exams = page.context["proposal"].exams
    assert len(exams) == 2
    posted = [f"{e.order.pk}|{e.device.pk}|{e.starts_at.isoformat()}" for e in exams]
    booked = desk.post(url, {"action": "confirm", "key": "k", "exam": posted})
    assert booked.status_code == 302
    assert booked["Location"].startswith("/staff/exams/plans/")
    assert set(ExamOrder.objects.values_list("status", flat=True)) == {OrderStatus.BOOKED}
    assert "booked-exam" in desk.get(booked["Location"]).content.decode()


def test_the_order_form_asks_for_recognised_results_of_the_chosen_exam(desk, exam_setup):
    # R-EXAM-5: the warning fragment loads with the form and again when the exam changes.
    page = desk.get(f"/staff/exams/patients/{exam_setup.patient.pk}/plan").content.decode()
    slot = page[page.index('id="recognition-slot"') :].split(">", 1)[0]
    assert 'hx-get="/staff/reports/recognition"' in slot
    assert f'"patient_id": "{exam_setup.patient.pk}"' in slot
    assert 'hx-include="#order-item"' in slot


def test_a_garbled_plan_is_a_message_not_an_error(desk, exam_setup):
    url = f"/staff/exams/patients/{exam_setup.patient.pk}/plan"
    page = desk.post(url, {"action": "confirm", "exam": ["1|x|yesterday"]}, follow=True)
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]]


def test_the_console_lists_exams_waiting_here(desk, exam_setup, doctor_actor):
    services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="CT_HEAD", actor=doctor_actor
    )
    page = desk.get("/staff/exams/")
    assert exam_setup.patient.name in page.content.decode()


def test_the_exam_desk_checks_in_and_records_the_wait(
    client, exam_setup, doctor_actor, make_staff, tertiary, clock
):
    order = services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="ECG", actor=doctor_actor
    )
    from onetrip.exams import planning

    (exam,) = planning.propose_plan(exam_setup.patient.pk, actor=doctor_actor).exams
    services.confirm_plan(
        exam_setup.patient.pk,
        [services.SlotChoice(order.pk, exam.device.pk, exam.starts_at)],
        actor=doctor_actor,
    )
    client.force_login(make_staff("nurse", tertiary).user)
    assert exam_setup.patient.name in client.get("/staff/exams/today/").content.decode()
    client.post("/staff/exams/today/", {"order": order.pk, "action": "check_in"})
    clock.advance(dt.timedelta(minutes=7))
    client.post("/staff/exams/today/", {"order": order.pk, "action": "start"})
    order.refresh_from_db()
    assert order.waiting_minutes == 7


def test_the_patient_sees_exams_waiting_and_plans_them(
    client, exam_setup, doctor_actor, phone_actor
):
    services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="US_BREAST", actor=doctor_actor
    )
    sign_in_patient(client, phone_actor.account_id)
    listing = client.get("/p/exams/").content.decode()
    assert "plan-exams" in listing
    tomorrow = (exam_setup.now + dt.timedelta(days=1)).date()
    page = client.get(
        f"/p/exams/patients/{exam_setup.patient.pk}/plan", {"day": tomorrow.isoformat()}
    )
    (exam,) = page.context["proposal"].exams
    assert exam.starts_at.date() == tomorrow
    refused = client.get(f"/p/exams/patients/{exam_setup.patient.pk}/plan", {"day": "soon"})
    assert refused.status_code == 200  # a message, and the plan for any day
