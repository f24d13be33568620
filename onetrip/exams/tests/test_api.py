"""The exams JSON API: catalogue, orders, plan proposal and confirmation, reschedule, cancel,
check-in; bad input answers with problem details naming the field (R-EXAM-1/2/3)."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import SHANGHAI
from onetrip.exams.models import DeviceSlot, ExamOrder, OrderStatus

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def post(client, path, payload=None, **headers):
    return client.post(
        f"/api/exams{path}", payload or {}, content_type="application/json", **headers
    )


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


@pytest.fixture
def desk(client, doctor_actor):
    client.force_login(doctor_actor.user)
    return client


def test_the_catalogue_is_public_with_preparation(client, exam_setup):
    body = client.get("/api/exams/items", HTTP_ACCEPT_LANGUAGE="en").json()
    barium = next(item for item in body if item["code"] == "BARIUM_MEAL")
    assert barium["fasting_hours"] == 10
    assert barium["contrast"] == "barium"
    assert "Fast 10 hours" in barium["preparation"]


def test_order_propose_and_book_a_two_exam_plan(desk, exam_setup):
    patient_id = exam_setup.patient.pk
    for code in ("US_ABD", "BLOOD_FASTING"):
        made = post(desk, "/orders", {"patient_id": patient_id, "item_code": code})
        assert made.status_code == 201, made.content
    proposal = post(desk, f"/patients/{patient_id}/plan-proposal").json()
    assert proposal["visits"] == 1
    assert len(proposal["exams"]) == 2
    assert proposal["explanation"]
    chosen = [
        {"order_id": e["order_id"], "device_id": e["device_id"], "starts_at": e["starts_at"]}
        for e in proposal["exams"]
    ]
    first = post(desk, f"/patients/{patient_id}/plans", {"exams": chosen}, HTTP_IDEMPOTENCY_KEY="a")
    again = post(desk, f"/patients/{patient_id}/plans", {"exams": chosen}, HTTP_IDEMPOTENCY_KEY="a")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert [o["status"] for o in first.json()["orders"]] == ["booked", "booked"]
    assert DeviceSlot.objects.filter(booked=1).count() == 2


def test_bad_input_is_a_problem_with_the_field(desk, exam_setup):
    unknown = post(desk, "/orders", {"patient_id": exam_setup.patient.pk, "item_code": "NOPE"})
    body = assert_problem(unknown, 422)
    assert body["errors"][0]["field"] == "item_code"
    malformed = post(
        desk, f"/patients/{exam_setup.patient.pk}/plans", {"exams": [{"order_id": "x"}]}
    )
    assert_problem(malformed, 422)
    nothing = post(desk, f"/patients/{exam_setup.patient.pk}/plans", {"exams": []})
    assert assert_problem(nothing, 422)["errors"][0]["field"] == "exams"


def test_reschedule_check_in_and_a_refused_cancel(
    desk, exam_setup, doctor_actor, make_staff, tertiary
):
    patient_id = exam_setup.patient.pk
    post(desk, "/orders", {"patient_id": patient_id, "item_code": "ECG"})
    (exam,) = post(desk, f"/patients/{patient_id}/plan-proposal").json()["exams"]
    chosen = {key: exam[key] for key in ("order_id", "device_id", "starts_at")}
    post(desk, f"/patients/{patient_id}/plans", {"exams": [chosen]})
    booked = ExamOrder.objects.get(pk=exam["order_id"])
    later = DeviceSlot.objects.filter(
        device=booked.device, day__date=exam_setup.now.date(), starts_at__gt=booked.ends_at
    ).first()
    moved = post(
        desk,
        f"/orders/{booked.pk}/reschedule",
        {"device_id": later.device_id, "starts_at": later.starts_at.isoformat()},
    )
    assert moved.status_code == 200, moved.content
    assert DeviceSlot.objects.get(pk=later.pk).booked == 1

    desk.force_login(make_staff("nurse", tertiary).user)
    checked = post(desk, f"/orders/{booked.pk}/check-in")
    assert checked.status_code == 200, checked.content
    assert checked.json()["checked_in_at"] is not None

    desk.force_login(doctor_actor.user)
    refused = post(desk, f"/orders/{booked.pk}/cancel", {"reason": "late"})
    assert assert_problem(refused, 409)["code"] == "state"
    assert ExamOrder.objects.get(pk=booked.pk).status == OrderStatus.CHECKED_IN


def test_the_preferred_time_of_day_is_an_input_of_the_proposal(exam_setup, desk):
    patient_id = exam_setup.patient.pk
    post(desk, "/orders", {"patient_id": patient_id, "item_code": "DR_CHEST"})
    url = f"/patients/{patient_id}/plan-proposal"
    (exam,) = post(desk, url, {"preferred_time": "afternoon"}).json()["exams"]
    assert dt.datetime.fromisoformat(exam["starts_at"]).astimezone(SHANGHAI).hour >= 12
    refused = post(desk, url, {"preferred_time": "night"})
    assert refused.status_code == 422
    assert "preferred_time" in refused.content.decode()
