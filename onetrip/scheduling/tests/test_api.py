"""The scheduling JSON API for every channel (R-APPT-1/2/3/4/5) with a frozen clock.

Staff (window), patients (app, patient session) and an institution's external system (API key)
book through one endpoint; each may use only its own channels. Every refusal is a problem
(application/problem+json) with a machine-readable code and writes nothing; a retried request
with the same Idempotency-Key answers with the same booking.

NOW is Monday 2026-11-23 09:30; the internal-medicine doctor has Monday–Friday morning sessions
08:00–11:00 in 10-minute slots of two units each (see the scheduling conftest).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.core.models import AuditEvent
from onetrip.identity.models import PatientAffiliation
from onetrip.scheduling.api_keys import issue_api_key
from onetrip.scheduling.models import (
    Appointment,
    ClinicSession,
    Period,
    SessionTemplate,
    SlotPool,
    WaitlistEntry,
)
from onetrip.scheduling.services import booking, disruption, schedule, waitlist
from onetrip.scheduling.tests.helpers import (
    first_slot,
    person,
    session_on,
    sign_in_patient,
    township_key,
    township_patient,
)

PROBLEM = "application/problem+json"
NEXT_MONDAY = "2026-11-30"


def slot_at(session: ClinicSession, hhmm: str):
    hour, minute = map(int, hhmm.split(":"))
    return session.slots.get(starts_at__hour=hour, starts_at__minute=minute)


def post(client, path, payload=None, **headers):
    return client.post(
        f"/api/scheduling{path}", payload or {}, content_type="application/json", **headers
    )


def writes() -> tuple[int, int, int]:
    booked = SlotPool.objects.aggregate(n=Sum("booked"))["n"]
    return Appointment.objects.count(), booked, AuditEvent.objects.count()


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
def patient_client(client, patient_actor):
    actor, patient = patient_actor
    return sign_in_patient(client, actor.account_id), patient


@pytest.fixture
def staff_client(client, clerk):
    client.force_login(clerk.user)
    return client


@pytest.fixture
def township_client(make_staff, tertiary, township):
    """The township HIS: a client of its own, sending its key with every request."""
    return Client(HTTP_X_API_KEY=township_key(make_staff, tertiary, township))


# --- what is free -----------------------------------------------------------------------------


def test_next_available_times_of_a_department_are_public(client, sessions, medicine, doctor):
    response = client.get(f"/api/scheduling/departments/{medicine.pk}/next-available?limit=3")

    assert response.status_code == 200
    body = response.json()
    assert [item["starts_at"] for item in body] == [
        "2026-11-23T09:40:00+08:00",
        "2026-11-23T09:50:00+08:00",
        "2026-11-23T10:00:00+08:00",
    ]
    assert body[0]["doctor"] == {"id": doctor.pk, "name": "李医生", "title": "chief"}
    assert body[0]["department"] == {"id": medicine.pk, "name": "内科"}
    assert body[0]["institution"]["name"] == "市第一人民医院"
    assert body[0]["session_id"] == session_on(sessions, 0).pk


def test_next_available_by_department_code_spans_the_consortium(client, sessions, township):
    township_medicine = consortium.add_department(township, code="IM", name="内科", actor=SYSTEM)
    township_doctor = consortium.add_doctor(
        township_medicine, name="王医生", title=DoctorTitle.ATTENDING, actor=SYSTEM
    )
    clinic = consortium.add_clinic(
        township_medicine, name="内科门诊", kind=ClinicKind.GENERAL, actor=SYSTEM
    )
    SessionTemplate.objects.create(
        doctor=township_doctor,
        clinic=clinic,
        weekday=0,
        period=Period.MORNING,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 0),
        slot_minutes=15,
        capacity_per_slot=2,
        valid_from=NOW.date(),
    )
    schedule.generate_sessions(
        institution_id=township.pk, date_from=NOW.date(), date_to=NOW.date(), actor=SYSTEM
    )

    response = client.get("/api/scheduling/next-available?department_code=IM&limit=4")

    assert response.status_code == 200
    assert [(i["starts_at"][11:16], i["institution"]["name"]) for i in response.json()] == [
        ("09:40", "市第一人民医院"),
        ("09:45", "东山乡卫生院"),
        ("09:50", "市第一人民医院"),
        ("10:00", "市第一人民医院"),
    ]


def test_unknown_department_and_channel_are_refused(client, sessions, medicine):
    assert_problem(
        client.get("/api/scheduling/departments/999999/next-available"), 404, "not_found"
    )
    body = assert_problem(client.get("/api/scheduling/next-available?department_code=XX"), 422)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("department_code", "unknown")]
    body = assert_problem(
        client.get(f"/api/scheduling/departments/{medicine.pk}/next-available?channel=fax"), 422
    )
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("channel", "enum")]


def test_sessions_of_a_department_on_a_day(client, sessions, medicine, doctor):
    response = client.get(
        f"/api/scheduling/sessions?department_id={medicine.pk}&date={NEXT_MONDAY}"
    )

    assert response.status_code == 200
    [session] = response.json()
    assert session["id"] == session_on(sessions, 7).pk
    assert (session["starts_at"], session["ends_at"]) == (
        "2026-11-30T08:00:00+08:00",
        "2026-11-30T11:00:00+08:00",
    )
    assert (session["status"], session["fee_fen"], session["period"]) == ("open", 5000, "morning")
    assert session["clinic"]["name"] == "内科专家门诊"
    assert session["doctor"]["id"] == doctor.pk
    assert session["substitute"] is None


def test_slots_show_what_is_left_for_the_channel_and_in_each_pool(client, sessions, book):
    session = session_on(sessions, 8)
    book(slot_at(session, "08:00"))

    app = client.get(f"/api/scheduling/sessions/{session.pk}/slots").json()
    window = client.get(f"/api/scheduling/sessions/{session.pk}/slots?channel=window").json()

    assert app["channel"] == "app"
    assert app["session"]["id"] == session.pk
    assert len(app["slots"]) == 18
    first, second, third = app["slots"][:3]
    assert first["visit_window"] == "08:00–08:10"
    # 08:00 had a shared-online and a primary-care unit; the booking took the shared one, and
    # primary-care units are not open to the app until three days before the visit.
    assert (first["pools"], first["remaining"]) == ({"primary_care": 1, "shared_online": 0}, 0)
    assert (second["pools"], second["remaining"]) == ({"primary_care": 1, "shared_online": 1}, 1)
    assert third["pools"] == {"shared_online": 1, "window": 1}
    assert [s["remaining"] for s in window["slots"][:3]] == [0, 1, 2]


def test_the_slot_list_sends_what_its_schema_would_send(client, sessions, book, doctor):
    """The answer skips ninja's validation (D244): it must be the bytes validation would give."""
    from onetrip.api import api as ninja_api
    from onetrip.scheduling import api
    from onetrip.scheduling.services import availability

    session = session_on(sessions, 8)
    book(slot_at(session, "08:00"))
    ClinicSession.objects.filter(pk=session.pk).update(substitute=doctor)
    for channel in ("app", "window"):
        sent = client.get(f"/api/scheduling/sessions/{session.pk}/slots?channel={channel}")
        assert sent["Content-Type"] == "application/json; charset=utf-8"
        found, views = availability.session_slots_by_id(session.pk, channel, NOW)
        answer = api.session_slots_answer(found, views, channel)
        validated = api.SessionSlotsOut.model_validate(answer).model_dump()
        rendered = ninja_api.renderer.render(sent.wsgi_request, validated, response_status=200)
        assert sent.content.decode() == rendered
        assert sent.json()["session"]["substitute"]["id"] == doctor.pk
    assert client.get("/api/scheduling/sessions/999999/slots").status_code == 404


def test_a_booking_and_a_hold_send_what_their_schema_would_send(sessions, patient_client):
    """The booking's answer skips ninja's validation too (D244): same bytes, same status."""
    from onetrip.api import api as ninja_api
    from onetrip.scheduling import api

    client, patient = patient_client
    for days, hold in ((8, False), (10, True)):
        slot = slot_at(session_on(sessions, days), "08:30")
        sent = client.post(
            "/api/scheduling/appointments",
            {"patient_id": patient.pk, "slot_id": slot.pk, "hold": hold},
            content_type="application/json",
            headers={"Idempotency-Key": f"schema-{days}"},
        )
        assert sent.status_code == 201, sent.content
        assert sent["Content-Type"] == "application/json; charset=utf-8"
        body = sent.json()
        assert body["status"] == ("held" if hold else "booked")
        validated = api.AppointmentOut.model_validate(body).model_dump()
        rendered = ninja_api.renderer.render(sent.wsgi_request, validated, response_status=201)
        assert sent.content.decode() == rendered


# --- booking through each channel -------------------------------------------------------------


def test_a_patient_books_in_the_app_and_gets_the_visit_window(patient_client, sessions, doctor):
    client, patient = patient_client
    slot = slot_at(session_on(sessions, 7), "08:40")

    response = post(
        client,
        "/appointments",
        {"patient_id": patient.pk, "slot_id": slot.pk},
        HTTP_IDEMPOTENCY_KEY="tap-1",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body["id"] == appointment.pk
    assert body["booking_number"] == appointment.booking_number
    assert (body["status"], body["channel"], body["pool"]) == ("booked", "app", "shared_online")
    assert (body["starts_at"], body["ends_at"], body["visit_window"]) == (
        "2026-11-30T08:40:00+08:00",
        "2026-11-30T08:50:00+08:00",
        "08:40–08:50",
    )
    assert body["doctor"] == {"id": doctor.pk, "name": "李医生", "title": "chief"}
    assert (body["department"]["name"], body["institution"]["name"]) == ("内科", "市第一人民医院")
    assert (body["fee_fen"], body["held_until"], body["visit_date"]) == (5000, None, NEXT_MONDAY)


def test_a_retried_request_returns_the_same_booking(patient_client, sessions):
    client, patient = patient_client
    payload = {"patient_id": patient.pk, "slot_id": first_slot(session_on(sessions, 7)).pk}

    first = post(client, "/appointments", payload, HTTP_IDEMPOTENCY_KEY="tap-1")
    before = writes()
    again = post(client, "/appointments", payload, HTTP_IDEMPOTENCY_KEY="tap-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert writes() == before


def test_a_key_reused_for_another_slot_is_a_409(patient_client, sessions):
    client, patient = patient_client
    session = session_on(sessions, 7)
    post(
        client,
        "/appointments",
        {"patient_id": patient.pk, "slot_id": slot_at(session, "08:00").pk},
        HTTP_IDEMPOTENCY_KEY="tap-1",
    )
    before = writes()

    response = post(
        client,
        "/appointments",
        {"patient_id": patient.pk, "slot_id": slot_at(session, "09:00").pk},
        HTTP_IDEMPOTENCY_KEY="tap-1",
    )

    body = assert_problem(response, 409)
    assert body["code"] == "key_reused"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("idempotency_key", "key_reused")]
    assert writes() == before


def test_a_held_time_is_confirmed_after_payment(patient_client, sessions):
    client, patient = patient_client
    slot = first_slot(session_on(sessions, 7))

    held = post(
        client, "/appointments", {"patient_id": patient.pk, "slot_id": slot.pk, "hold": True}
    )

    assert held.status_code == 201
    assert (held.json()["status"], held.json()["held_until"]) == (
        "held",
        "2026-11-23T09:45:00+08:00",
    )
    fee = held.json()["registration_fee"]
    assert (fee["amount_fen"], fee["paid"]) == (5000, False)
    unpaid = post(client, f"/appointments/{held.json()['id']}/confirm")
    assert_problem(unpaid, 409, "fee_unpaid")

    # The bill page on the phone, WeChat Pay's cashier, and the provider's notice.
    to_cashier = client.post(fee["pay_url"], {"channel": "wechat"})
    client.post(to_cashier["Location"], {"return_to": fee["pay_url"]})

    confirmed = post(client, f"/appointments/{held.json()['id']}/confirm")
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["held_until"]) == ("booked", None)
    assert confirmed.json()["registration_fee"]["paid"]


def test_a_patient_can_book_only_through_the_app(patient_client, sessions):
    client, patient = patient_client
    before = writes()

    response = post(
        client,
        "/appointments",
        {"patient_id": patient.pk, "slot_id": slot_at(session_on(sessions, 7), "08:20").pk}
        | {"channel": "window"},
    )

    assert_problem(response, 403, "forbidden")
    assert writes() == before


def test_the_window_books_for_a_patient_of_its_hospital(staff_client, sessions, register):
    patient = register()
    slot = slot_at(session_on(sessions, 7), "08:20")

    response = post(staff_client, "/appointments", {"patient_id": patient.pk, "slot_id": slot.pk})

    assert response.status_code == 201, response.content
    assert (response.json()["channel"], response.json()["pool"]) == ("window", "window")


def test_a_township_system_books_its_patient_into_the_primary_care_pool(
    township_client, sessions, register, make_staff, township, tertiary
):
    patient = township_patient(register, make_staff, township)
    slot = first_slot(session_on(sessions, 7))

    response = post(
        township_client,
        "/appointments",
        {"patient_id": patient.pk, "slot_id": slot.pk},
        HTTP_IDEMPOTENCY_KEY="his-778",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["pool"], body["institution"]["name"]) == (
        "primary_care",
        "primary_care",
        "市第一人民医院",
    )
    appointment = Appointment.objects.get()
    assert appointment.booked_by == "client:东山乡卫生院 HIS"
    # The lead hospital's staff will need the record at the visit.
    assert PatientAffiliation.objects.filter(patient=patient, institution=tertiary).exists()
    event = AuditEvent.objects.get(object_type="scheduling.appointment")
    assert (event.actor_kind, event.institution_id) == ("client", township.pk)


def test_a_township_system_cannot_book_other_patients_or_channels(
    township_client, sessions, register, make_staff, township
):
    stranger = register()  # registered at the lead hospital only
    own = township_patient(register, make_staff, township)
    slot = first_slot(session_on(sessions, 7))
    before = writes()

    assert_problem(
        post(township_client, "/appointments", {"patient_id": stranger.pk, "slot_id": slot.pk}),
        404,
        "not_found",
    )
    assert_problem(
        post(
            township_client,
            "/appointments",
            {"patient_id": own.pk, "slot_id": slot.pk, "channel": "app"},
        ),
        403,
        "forbidden",
    )
    assert writes() == before


def test_an_api_key_needs_no_csrf_token(make_staff, tertiary, township, sessions, register):
    patient = township_patient(register, make_staff, township)
    his = Client(
        enforce_csrf_checks=True, HTTP_X_API_KEY=township_key(make_staff, tertiary, township)
    )

    response = post(
        his,
        "/appointments",
        {"patient_id": patient.pk, "slot_id": first_slot(session_on(sessions, 7)).pk},
    )

    assert response.status_code == 201, response.content


def test_a_booking_by_key_is_one_statement_with_its_notice(
    make_staff, tertiary, township, sessions, register
):
    """Issue 14 (D205–D207, D270): the key is remembered, the booking function writes the
    booking, its affiliation, audit row, event and outbox row and answers with it."""
    patient = township_patient(register, make_staff, township)
    his = Client(HTTP_X_API_KEY=township_key(make_staff, tertiary, township))
    slot = first_slot(session_on(sessions, 7))
    assert his.get("/api/scheduling/appointments/999999").status_code == 404  # the key, checked

    with CaptureQueriesContext(connection) as queries:
        response = post(his, "/appointments", {"patient_id": patient.pk, "slot_id": slot.pk})

    assert response.status_code == 201, response.content
    statements = [q["sql"].split("(")[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert statements == [
            "SELECT outcome, appointment_id, pool_kind, detail::text FROM scheduling_book",
        ]
    booked = Appointment.objects.get(pk=response.json()["id"])
    assert response.json()["doctor"]["name"] == booked.session.doctor.name
    assert (
        AuditEvent.objects.filter(
            object_type="scheduling.appointment", object_id=str(booked.pk), action="create"
        ).count()
        == 1
    )
    from onetrip.notifications.models import Notification

    notice = Notification.objects.get(template="appointment_booked")
    assert notice.params["number"] == booked.booking_number


def test_without_signing_in_nothing_is_booked(client, sessions, register):
    patient = register()

    response = post(
        client, "/appointments", {"patient_id": patient.pk, "slot_id": first_slot(sessions[0]).pk}
    )

    assert_problem(response, 401, "unauthenticated")
    assert not Appointment.objects.exists()


# --- refusals -------------------------------------------------------------------------------


def _stop(session: ClinicSession) -> None:
    ClinicSession.objects.filter(pk=session.pk).update(status="stopped")


def _fill(session: ClinicSession) -> None:
    SlotPool.objects.filter(slot__session=session).update(booked=F("capacity"))


@pytest.mark.parametrize(
    ("days_ahead", "time", "prepare", "status", "code"),
    [
        (0, "08:00", None, 409, "past"),
        (16, "08:00", None, 409, "not_released"),
        (7, "08:00", _stop, 409, "stopped"),
        (7, "08:00", _fill, 409, "full"),
    ],
)
def test_each_refusal_has_its_own_code_and_writes_nothing(
    patient_client, sessions, days_ahead, time, prepare, status, code
):
    client, patient = patient_client
    session = session_on(sessions, days_ahead)
    if prepare:
        prepare(session)
    before = writes()

    response = post(
        client, "/appointments", {"patient_id": patient.pk, "slot_id": slot_at(session, time).pk}
    )

    body = assert_problem(response, status, code)
    assert body["title"]
    assert writes() == before


def test_a_second_booking_in_the_same_session_is_refused(patient_client, sessions, book):
    client, patient = patient_client
    session = session_on(sessions, 7)
    book(slot_at(session, "08:00"))
    before = writes()

    response = post(
        client, "/appointments", {"patient_id": patient.pk, "slot_id": slot_at(session, "09:00").pk}
    )

    assert_problem(response, 409, "already_booked")
    assert writes() == before


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"patient_id": ...}, "patient_id", "missing"),  # ... leaves the field out
        ({"patient_id": "x", "slot_id": 1}, "patient_id", "int_parsing"),
        ({"channel": "fax"}, "channel", "enum"),
        ({"priority": 9}, "priority", "less_than_equal"),
    ],
)
def test_invalid_fields_are_422_and_write_nothing(patient_client, sessions, payload, field, code):
    client, patient = patient_client
    valid = {"patient_id": patient.pk, "slot_id": first_slot(session_on(sessions, 7)).pk}
    before = writes()

    sent = {name: value for name, value in (valid | payload).items() if value is not ...}
    body = assert_problem(post(client, "/appointments", sent), 422)

    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]
    assert writes() == before


def test_an_unknown_slot_is_a_404(patient_client, sessions):
    client, patient = patient_client

    response = post(client, "/appointments", {"patient_id": patient.pk, "slot_id": 999999})

    assert_problem(response, 404, "not_found")


# --- reading, cancelling --------------------------------------------------------------------


def test_the_lead_hospitals_staff_read_a_booking_and_it_is_audited(
    staff_client, sessions, book, clerk
):
    appointment = book(first_slot(session_on(sessions, 7)))

    response = staff_client.get(f"/api/scheduling/appointments/{appointment.pk}")

    assert response.status_code == 200
    assert response.json()["booking_number"] == appointment.booking_number
    event = AuditEvent.objects.get(action="view", object_type="scheduling.appointment")
    assert (event.actor_user, event.patient_id) == (clerk.user, appointment.patient_id)


def test_other_accounts_and_institutions_do_not_see_a_booking(
    sessions, book, make_staff, township, tertiary
):
    appointment = book(first_slot(session_on(sessions, 7)))
    township_staff = Client()
    township_staff.force_login(make_staff("registration", township).user)
    his = Client(HTTP_X_API_KEY=township_key(make_staff, tertiary, township))

    for caller in (township_staff, his):
        response = caller.get(f"/api/scheduling/appointments/{appointment.pk}")
        assert_problem(response, 404, "not_found")


def test_my_appointments_lists_the_accounts_bookings(patient_client, sessions, book):
    client, _patient = patient_client
    earlier = book(first_slot(session_on(sessions, 7)))
    later = book(first_slot(session_on(sessions, 8)))

    response = client.get("/api/scheduling/my/appointments")

    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [later.pk, earlier.pk]


def test_my_appointments_needs_a_patient_session(staff_client):
    assert_problem(staff_client.get("/api/scheduling/my/appointments"), 401, "unauthenticated")


def test_a_patient_cancels_before_the_deadline_and_the_unit_returns(patient_client, sessions, book):
    client, _patient = patient_client
    appointment = book(first_slot(session_on(sessions, 7)))

    response = post(client, f"/appointments/{appointment.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert SlotPool.objects.get(pk=appointment.pool_id).booked == 0


def test_cancelling_after_the_deadline_is_refused(patient_client, sessions, book, clock):
    client, _patient = patient_client
    appointment = book(first_slot(session_on(sessions, 7)))
    clock.set(dt.datetime(2026, 11, 29, 15, 1, tzinfo=NOW.tzinfo))
    before = writes()

    assert_problem(post(client, f"/appointments/{appointment.pk}/cancel"), 409, "deadline_passed")
    assert writes() == before


# --- waitlist -------------------------------------------------------------------------------


def test_a_patient_waits_for_a_full_session_and_leaves_the_line(patient_client, sessions):
    client, patient = patient_client
    session = session_on(sessions, 7)
    _fill(session)

    joined = post(client, "/waitlist", {"patient_id": patient.pk, "session_id": session.pk})

    assert joined.status_code == 201, joined.content
    body = joined.json()
    assert (body["status"], body["channel"], body["position"]) == ("waiting", "app", 1)
    left = client.delete(f"/api/scheduling/waitlist/{body['id']}")
    assert left.status_code == 204
    assert WaitlistEntry.objects.get().status == "cancelled"


def test_a_session_with_free_times_cannot_be_waited_for(patient_client, sessions):
    client, patient = patient_client
    session = session_on(sessions, 7)

    response = post(client, "/waitlist", {"patient_id": patient.pk, "session_id": session.pk})

    assert_problem(response, 409, "not_full")
    assert not WaitlistEntry.objects.exists()


def test_leaving_someone_elses_line_is_a_404(sessions, patient_actor, make_staff, township):
    actor, patient = patient_actor
    session = session_on(sessions, 7)
    _fill(session)
    entry = waitlist.join_waitlist(patient.pk, session.pk, channel="app", actor=actor)
    other = Client()
    other.force_login(make_staff("registration", township).user)

    assert_problem(other.delete(f"/api/scheduling/waitlist/{entry.pk}"), 404, "not_found")
    assert WaitlistEntry.objects.get().status == "waiting"


# --- after a stop-clinic, and at the kiosk ----------------------------------------------------


def test_a_patient_takes_the_offer_after_a_stop_clinic(patient_client, sessions, clerk):
    client, _patient = patient_client
    booked = post(
        client,
        "/appointments",
        {"slot_id": first_slot(session_on(sessions, 7)).pk, "patient_id": _patient.pk},
    )
    stopped = Appointment.objects.get(pk=booked.json()["id"])
    disruption.stop_session(stopped.session_id, "医生临时外出会诊", actor=clerk)
    offer = stopped.replacements.get()

    accepted = post(client, f"/appointments/{offer.pk}/accept-offer")

    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["id"], accepted.json()["status"]) == (offer.pk, "booked")


def test_a_stranger_cannot_decline_someone_elses_offer(patient_client, sessions, clerk, register):
    client, patient = patient_client
    other = person(register, 5)
    stopped = booking.book_slot(
        booking.BookingRequest(
            patient_id=other.pk, slot_id=first_slot(session_on(sessions, 7)).pk, channel="window"
        ),
        actor=clerk,
    )
    disruption.stop_session(stopped.session_id, "医生临时外出会诊", actor=clerk)
    offer = stopped.replacements.get()

    assert_problem(post(client, f"/appointments/{offer.pk}/decline-offer"), 404)
    offer.refresh_from_db()
    assert offer.status == "held"


def test_a_kiosk_checks_a_patient_in_by_booking_number(
    client, clock, sessions, book, make_staff, tertiary
):
    appointment = book(first_slot(session_on(sessions, 1)))
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, key = issue_api_key(tertiary.pk, "门诊大厅自助机 1", "kiosk", actor=admin)
    clock.set(appointment.slot.starts_at - dt.timedelta(minutes=10))
    kiosk = Client(HTTP_X_API_KEY=key)

    checked_in = post(
        kiosk,
        "/check-ins",
        {"institution_id": tertiary.pk, "booking_number": appointment.booking_number},
    )

    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["status"] == "checked_in"
    wrong_digit = appointment.booking_number[:-1] + str(
        (int(appointment.booking_number[-1]) + 1) % 10
    )
    body = assert_problem(
        post(kiosk, "/check-ins", {"institution_id": tertiary.pk, "booking_number": wrong_digit}),
        422,
    )
    assert body["errors"][0]["field"] == "booking_number"
