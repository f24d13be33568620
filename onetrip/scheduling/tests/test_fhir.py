"""FHIR R4 Schedule, Slot and Appointment, with `$find`, `$hold` and `$book` (R-APPT-1/2/3),
validated with fhir.resources R4B models. Callers are staff (session) or an institution's system
(API key); every refusal is an OperationOutcome and writes nothing.

NOW is Monday 2026-11-23 09:30; the internal-medicine doctor ("IM") has Monday–Friday morning
sessions 08:00–11:00 in 10-minute slots of two units each (see the scheduling conftest).
"""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import Client
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from onetrip.core.fhir_http import FHIR_CONTENT_TYPE
from onetrip.core.models import AuditEvent
from onetrip.scheduling.fhir import (
    BOOKING_NUMBER_SYSTEM,
    DEPARTMENT_SYSTEM,
    HELD_UNTIL_EXTENSION,
    REMAINING_EXTENSION,
)
from onetrip.scheduling.models import Appointment, ClinicSession, SlotPool
from onetrip.scheduling.services import booking
from onetrip.scheduling.tests.helpers import first_slot, session_on, township_key, township_patient


@pytest.fixture
def staff(client, clerk):
    client.force_login(clerk.user)
    return client


@pytest.fixture
def his(make_staff, tertiary, township):
    return Client(HTTP_X_API_KEY=township_key(make_staff, tertiary, township))


@pytest.fixture
def his_patient(register, make_staff, township):
    return township_patient(register, make_staff, township)


def assert_fhir(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_CONTENT_TYPE)
    return response.json()


def assert_outcome(response, status, issue_code, code=None):
    body = assert_fhir(response, status)
    OperationOutcome.model_validate(body)
    [issue] = body["issue"]
    assert issue["code"] == issue_code
    if code is not None:
        assert issue["details"]["coding"][0]["code"] == code
    return issue


def parameters(**values) -> dict:
    parts = []
    for name, value in values.items():
        if isinstance(value, dict):
            parts.append({"name": name, **value})
        elif "/" in str(value):
            parts.append({"name": name, "valueReference": {"reference": value}})
        else:
            parts.append({"name": name, "valueCode": value})
    return {"resourceType": "Parameters", "parameter": parts}


def operation(client, name, body, **headers):
    return client.post(
        f"/fhir/Appointment/${name}", body, content_type="application/fhir+json", **headers
    )


def extension(resource, url):
    [value] = [e for e in resource.get("extension", []) if e["url"] == url]
    return value


def written() -> tuple[int, int]:
    return Appointment.objects.count(), AuditEvent.objects.count()


# --- Schedule -------------------------------------------------------------------------------


def test_a_doctor_has_one_schedule_spanning_the_sessions_to_come(staff, sessions, doctor):
    body = assert_fhir(staff.get(f"/fhir/Schedule/{doctor.pk}"), 200)

    Schedule.model_validate(body)
    assert body["id"] == str(doctor.pk)
    assert body["active"] is True
    assert body["actor"] == [{"reference": f"Practitioner/{doctor.pk}", "display": "李医生"}]
    assert body["specialty"][0]["coding"] == [{"system": DEPARTMENT_SYSTEM, "code": "IM"}]
    assert body["planningHorizon"] == {
        "start": "2026-11-23T08:00:00+08:00",  # today's session is not over yet
        "end": "2026-12-11T11:00:00+08:00",
    }


def test_schedules_are_found_by_specialty_and_practitioner(his, sessions, doctor):
    for query in ("specialty=IM", f"actor=Practitioner/{doctor.pk}"):
        body = assert_fhir(his.get(f"/fhir/Schedule?{query}"), 200)
        Bundle.model_validate(body)
        assert body["total"] == 1
        assert body["entry"][0]["fullUrl"] == f"http://testserver/fhir/Schedule/{doctor.pk}"

    assert assert_fhir(his.get("/fhir/Schedule?specialty=XX"), 200)["total"] == 0
    assert_outcome(his.get("/fhir/Schedule"), 400, "invalid")
    assert_outcome(his.get("/fhir/Schedule/999999"), 404, "not-found")


# --- Slot -----------------------------------------------------------------------------------


def test_slots_of_a_schedule_on_a_day_with_their_status_for_the_channel(
    staff, sessions, doctor, book
):
    book(first_slot(session_on(sessions, 8)))
    query = f"schedule=Schedule/{doctor.pk}&start=ge2026-12-01&start=lt2026-12-02&_count=3"

    body = assert_fhir(staff.get(f"/fhir/Slot?{query}&channel=app"), 200)

    Bundle.model_validate(body)
    slots = [e["resource"] for e in body["entry"]]
    for slot in slots:
        FhirSlot.model_validate(slot)
    assert [(s["start"], s["end"], s["status"]) for s in slots] == [
        ("2026-12-01T08:00:00+08:00", "2026-12-01T08:10:00+08:00", "busy"),
        ("2026-12-01T08:10:00+08:00", "2026-12-01T08:20:00+08:00", "free"),
        ("2026-12-01T08:20:00+08:00", "2026-12-01T08:30:00+08:00", "free"),
    ]
    assert slots[0]["schedule"] == {"reference": f"Schedule/{doctor.pk}"}
    assert [extension(s, REMAINING_EXTENSION)["valueUnsignedInt"] for s in slots] == [0, 1, 1]
    # Staff see the window's share by default: 08:00 has none, 08:20 has a window unit too.
    window = assert_fhir(staff.get(f"/fhir/Slot?{query}"), 200)
    assert [
        extension(e["resource"], REMAINING_EXTENSION)["valueUnsignedInt"] for e in window["entry"]
    ] == [0, 1, 2]


def test_free_slots_only_and_a_stopped_session_is_unavailable(his, sessions, doctor):
    session = session_on(sessions, 7)
    ClinicSession.objects.filter(pk=session.pk).update(status="stopped")
    base = f"/fhir/Slot?schedule={doctor.pk}&start=ge2026-11-30&start=lt2026-12-01"

    stopped = assert_fhir(his.get(f"{base}&_count=1"), 200)
    assert stopped["entry"][0]["resource"]["status"] == "busy-unavailable"
    assert "entry" not in assert_fhir(his.get(f"{base}&status=free"), 200)


def test_slot_search_starts_now_unless_told(his, sessions, doctor):
    body = assert_fhir(his.get(f"/fhir/Slot?schedule=Schedule/{doctor.pk}&_count=2"), 200)

    assert [(e["resource"]["start"], e["resource"]["status"]) for e in body["entry"]] == [
        ("2026-11-23T09:30:00+08:00", "busy"),  # starting now: too late to book
        ("2026-11-23T09:40:00+08:00", "free"),
    ]


@pytest.mark.parametrize(
    "query",
    ["", "schedule=Doctor/1", "schedule=1&start=soon", "schedule=1&status=open", "schedule=1&x=1"],
)
def test_bad_slot_searches_are_400(his, sessions, query):
    assert_outcome(his.get(f"/fhir/Slot?{query}"), 400, "invalid")


def test_a_slot_is_read_with_its_remaining_units(his, sessions):
    slot = first_slot(session_on(sessions, 7))

    body = assert_fhir(his.get(f"/fhir/Slot/{slot.pk}"), 200)

    FhirSlot.model_validate(body)
    assert body["status"] == "free"
    # The township's key draws on the primary-care pool, then the shared one: a unit in each.
    assert extension(body, REMAINING_EXTENSION)["valueUnsignedInt"] == 2
    assert_outcome(his.get("/fhir/Slot/999999"), 404, "not-found")


# --- $find ----------------------------------------------------------------------------------


def test_find_proposes_the_earliest_free_times_in_the_window(his, sessions, doctor):
    body = assert_fhir(
        operation(
            his,
            "find",
            parameters(
                specialty="IM",
                start={"valueDate": "2026-11-30"},
                end={"valueDateTime": "2026-12-01T00:00:00+08:00"},
                _count={"valueInteger": 2},
            ),
        ),
        200,
    )

    Bundle.model_validate(body)
    proposals = [e["resource"] for e in body["entry"]]
    for proposal in proposals:
        FhirAppointment.model_validate(proposal)
    assert [(p["status"], p["start"]) for p in proposals] == [
        ("proposed", "2026-11-30T08:00:00+08:00"),
        ("proposed", "2026-11-30T08:10:00+08:00"),
    ]
    first_time = first_slot(session_on(sessions, 7))
    assert proposals[0]["slot"] == [{"reference": f"Slot/{first_time.pk}"}]
    assert proposals[0]["participant"][0]["actor"]["reference"] == f"Practitioner/{doctor.pk}"


def test_find_skips_full_times_and_starts_no_earlier_than_now(his, sessions):
    SlotPool.objects.filter(slot__session=session_on(sessions, 0)).update(booked=F("capacity"))

    body = assert_fhir(operation(his, "find", parameters(specialty="IM")), 200)

    assert body["entry"][0]["resource"]["start"] == "2026-11-24T08:00:00+08:00"
    assert len(body["entry"]) == 10


@pytest.mark.parametrize(
    ("body", "expression"),
    [
        (parameters(), "specialty"),
        (parameters(specialty="XX"), "specialty"),
        (parameters(specialty="IM", start={"valueDateTime": "tomorrow"}), "start"),
        (parameters(specialty="IM", end={"valueDate": "2026-11-20"}), "end"),
        (parameters(specialty="IM", _count={"valueInteger": 0}), "_count"),
        (parameters(specialty="IM", channel="fax"), "channel"),
    ],
)
def test_bad_find_parameters_are_422_naming_the_parameter(his, sessions, body, expression):
    issue = assert_outcome(operation(his, "find", body), 422, "invalid")

    assert issue["expression"] == [expression]


# --- $hold and $book ------------------------------------------------------------------------


def test_the_township_holds_a_time_then_books_it(his, sessions, his_patient):
    slot = first_slot(session_on(sessions, 7))

    held = assert_fhir(
        operation(
            his, "hold", parameters(slot=f"Slot/{slot.pk}", patient=f"Patient/{his_patient.pk}")
        ),
        201,
    )

    FhirAppointment.model_validate(held)
    assert held["status"] == "pending"
    assert extension(held, HELD_UNTIL_EXTENSION)["valueDateTime"] == "2026-11-23T09:45:00+08:00"
    assert held["identifier"] == [
        {"system": BOOKING_NUMBER_SYSTEM, "value": Appointment.objects.get().booking_number}
    ]
    assert held["slot"] == [{"reference": f"Slot/{slot.pk}"}]
    assert held["participant"][0]["actor"] == {"reference": f"Patient/{his_patient.pk}"}
    assert (held["start"], held["end"]) == (
        "2026-11-30T08:00:00+08:00",
        "2026-11-30T08:10:00+08:00",
    )
    assert "08:00–08:10" in held["patientInstruction"]

    booked = assert_fhir(
        operation(his, "book", parameters(appointment=f"Appointment/{held['id']}")), 200
    )

    FhirAppointment.model_validate(booked)
    assert (booked["id"], booked["status"]) == (held["id"], "booked")
    assert "extension" not in booked
    assert Appointment.objects.get().pool.kind == "primary_care"


def test_book_directly_and_a_retry_returns_the_same_appointment(his, sessions, his_patient):
    body = parameters(
        slot=f"Slot/{first_slot(session_on(sessions, 7)).pk}",
        patient=f"Patient/{his_patient.pk}",
    )

    first = assert_fhir(operation(his, "book", body, HTTP_IDEMPOTENCY_KEY="his-1"), 201)
    again = assert_fhir(operation(his, "book", body, HTTP_IDEMPOTENCY_KEY="his-1"), 201)

    assert first["status"] == "booked"
    assert again == first
    assert Appointment.objects.count() == 1


def test_staff_book_at_the_window_through_fhir(staff, sessions, register):
    patient = register()
    slot = session_on(sessions, 7).slots.order_by("starts_at")[2]  # 08:20 has a window unit

    body = assert_fhir(
        operation(
            staff, "book", parameters(slot=f"Slot/{slot.pk}", patient=f"Patient/{patient.pk}")
        ),
        201,
    )

    assert body["status"] == "booked"
    assert Appointment.objects.get().channel == "window"


def test_a_full_time_is_a_conflict_and_writes_nothing(his, sessions, his_patient):
    slot = first_slot(session_on(sessions, 7))
    SlotPool.objects.filter(slot=slot).update(booked=F("capacity"))
    before = written()

    response = operation(
        his, "hold", parameters(slot=f"Slot/{slot.pk}", patient=f"Patient/{his_patient.pk}")
    )

    assert_outcome(response, 409, "conflict", "full")
    assert written() == before


@pytest.mark.parametrize(
    ("body", "status", "issue_code"),
    [
        ({"resourceType": "Patient"}, 400, "invalid"),
        ("not json", 400, "invalid"),
        (parameters(slot="Slot/1"), 422, "invalid"),
        (parameters(slot="Patient/1", patient="Patient/1"), 422, "invalid"),
        (parameters(slot="Slot/999999", patient="Patient/999999"), 404, "not-found"),
    ],
)
def test_bad_hold_requests_are_refused_and_write_nothing(his, sessions, body, status, issue_code):
    before = written()

    assert_outcome(operation(his, "hold", body), status, issue_code)
    assert written() == before


def test_operations_take_post_only(his, sessions):
    response = his.get("/fhir/Appointment/$hold")

    assert_outcome(response, 405, "not-supported")
    assert response["Allow"] == "POST"


def test_a_session_post_needs_the_csrf_token(clerk, sessions, register):
    patient = register()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk.user)
    body = parameters(
        slot=f"Slot/{first_slot(session_on(sessions, 7)).pk}", patient=f"Patient/{patient.pk}"
    )

    assert_outcome(operation(browser, "book", body), 403, "forbidden", "csrf_failed")
    assert not Appointment.objects.exists()


def test_anonymous_callers_and_unknown_keys_are_401(client, sessions):
    assert_outcome(client.get("/fhir/Slot?schedule=1"), 401, "login")
    assert_outcome(operation(client, "find", parameters(specialty="IM")), 401, "login")
    stranger = Client(HTTP_X_API_KEY="0123456789abcdef")
    assert_outcome(stranger.get("/fhir/Slot?schedule=1"), 401, "login", "invalid_api_key")


# --- Appointment read and search ------------------------------------------------------------


def test_staff_read_and_search_appointments_with_an_audit_row(staff, sessions, book, clerk):
    appointment = book(first_slot(session_on(sessions, 7)))
    patient_id = appointment.patient_id

    read = assert_fhir(staff.get(f"/fhir/Appointment/{appointment.pk}"), 200)
    found = assert_fhir(staff.get(f"/fhir/Appointment?patient=Patient/{patient_id}"), 200)

    FhirAppointment.model_validate(read)
    Bundle.model_validate(found)
    assert read["status"] == "booked"
    assert found["total"] == 1
    assert found["entry"][0]["resource"] == read
    assert list(
        AuditEvent.objects.filter(object_type="scheduling.appointment", actor_user=clerk.user)
        .order_by("pk")
        .values_list("action", "patient_id")
    ) == [("view", patient_id), ("search", patient_id)]


def test_status_search_and_mapping_of_a_cancelled_booking(staff, sessions, book, patient_actor):
    appointment = book(first_slot(session_on(sessions, 7)))
    booking.cancel_appointment(appointment.pk, actor=patient_actor[0])
    patient = f"patient={appointment.patient_id}"

    assert assert_fhir(staff.get(f"/fhir/Appointment?{patient}&status=booked"), 200)["total"] == 0
    found = assert_fhir(staff.get(f"/fhir/Appointment?{patient}&status=cancelled"), 200)
    resource = found["entry"][0]["resource"]
    FhirAppointment.model_validate(resource)
    assert resource["cancelationReason"]["coding"][0]["code"] == "cancelled"
    assert_outcome(staff.get(f"/fhir/Appointment?{patient}&status=gone"), 400, "invalid")
    assert_outcome(staff.get("/fhir/Appointment"), 400, "invalid")


def test_other_institutions_do_not_see_the_appointment(his, sessions, book):
    appointment = book(first_slot(session_on(sessions, 7)))

    assert_outcome(his.get(f"/fhir/Appointment/{appointment.pk}"), 404, "not-found")
    found = assert_fhir(his.get(f"/fhir/Appointment?patient={appointment.patient_id}"), 200)
    assert found["total"] == 0
