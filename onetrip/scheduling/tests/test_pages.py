"""Booking pages (R-APPT-1/2/4/5/6): a patient books step by step and cancels; a window clerk books
callers and walk-ins; a doctor books a return visit beyond the public window. Refusals are shown
as messages and write nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from onetrip.conftest import NOW
from onetrip.core.models import AuditEvent
from onetrip.identity.models import MobileAccount
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import Appointment, SlotPool
from onetrip.scheduling.services import availability
from onetrip.scheduling.tests.helpers import first_slot, session_on, sign_in_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    # Assertions read the English messages whatever the Chinese catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def patient_client(client, patient_actor):
    actor, _patient = patient_actor
    sign_in_patient(client, actor.account_id)
    return client


def key_of(page: str) -> str:
    return re.search(r'name="key" value="(\w+)"', page).group(1)


def hhmm(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def free_slot(session, channel: str):
    """The first slot of a session with a unit open to `channel` now."""
    views = availability.session_slots(session, channel, NOW)
    return next(view for view in views if view.remaining)


# --- patient --------------------------------------------------------------------------------


def test_a_patient_books_step_by_step(patient_client, patient_actor, sessions, tertiary, medicine):
    client = patient_client
    _actor, patient = patient_actor

    hospitals = client.get("/p/book/").content.decode()
    assert tertiary.name in hospitals
    departments = client.get(f"/p/book/institutions/{tertiary.pk}/").content.decode()
    soonest = availability.next_available(
        department_ids=[medicine.pk], channel="app", now=NOW, limit=1
    )[0]
    assert f"/p/book/departments/{medicine.pk}/" in departments
    assert f"11-23 Mon {hhmm(soonest.starts_at)}" in departments
    doctors = client.get(f"/p/book/departments/{medicine.pk}/").content.decode()
    assert "李医生" in doctors
    assert "Chief physician" in doctors
    assert "Next free day: 11-23 Mon" in doctors

    days = client.get(f"/p/book/doctors/{session_on(sessions, 0).doctor_id}/").content.decode()
    assert f'data-session-id="{session_on(sessions, 14).pk}"' in days  # released at 07:00 today
    assert f'data-session-id="{session_on(sessions, 15).pk}"' not in days
    # The first day with a free time shows its times: one tap from a time.
    assert f"/p/book/slots/{first_slot(session_on(sessions, 0)).pk}/" not in days  # 08:00 passed
    assert "Times on 11-23 Mon" in days
    assert "New days open every day at 07:00, up to 14 days ahead." in days

    session = session_on(sessions, 1)
    times = client.get(f"/p/book/sessions/{session.pk}/").content.decode()
    slot = first_slot(session)
    assert f"/p/book/slots/{slot.pk}/" in times
    assert "¥50.00" in times

    confirm = client.get(f"/p/book/slots/{slot.pk}/").content.decode()
    assert "Please arrive 08:00–08:10" in confirm
    response = client.post(
        f"/p/book/slots/{slot.pk}/", {"patient": patient.pk, "key": key_of(confirm)}
    )

    appointment = Appointment.objects.get()
    assert response["Location"] == f"/p/appointments/{appointment.pk}"
    assert (appointment.channel, appointment.slot_id) == ("app", slot.pk)
    page = client.get(response["Location"]).content.decode()
    assert appointment.booking_number in page
    assert "Please arrive 08:00–08:10" in page
    assert "张伟" in page
    assert "市第一人民医院 · 内科专家门诊" in page
    assert "¥50.00" in page


def test_submitting_the_same_confirmation_twice_books_once(patient_client, patient_actor, sessions):
    _actor, patient = patient_actor
    slot = first_slot(session_on(sessions, 1))
    key = key_of(patient_client.get(f"/p/book/slots/{slot.pk}/").content.decode())

    first = patient_client.post(f"/p/book/slots/{slot.pk}/", {"patient": patient.pk, "key": key})
    again = patient_client.post(f"/p/book/slots/{slot.pk}/", {"patient": patient.pk, "key": key})

    assert first["Location"] == again["Location"]
    assert Appointment.objects.count() == 1
    assert sum(SlotPool.objects.filter(slot=slot).values_list("booked", flat=True)) == 1


def test_a_patient_books_and_pays_the_fee_on_the_phone(patient_client, patient_actor, sessions):
    _actor, patient = patient_actor
    slot = first_slot(session_on(sessions, 1))
    page = patient_client.get(f"/p/book/slots/{slot.pk}/").content.decode()
    assert "WeChat Pay · ¥50.00" in page
    assert "Free cancellation or change until 11-23 15:00" in page

    to_cashier = patient_client.post(
        f"/p/book/slots/{slot.pk}/",
        {"patient": patient.pk, "key": key_of(page), "pay_with": "wechat"},
    )
    appointment = Appointment.objects.get()
    assert appointment.status == "held"
    assert to_cashier["Location"].startswith("/sandbox/wechat/cashier/")
    cashier = patient_client.get(to_cashier["Location"]).content.decode()
    back = re.search(r'name="return_to" value="([^"]+)"', cashier).group(1)
    assert back == f"/p/appointments/{appointment.pk}"
    patient_client.post(to_cashier["Location"], {"return_to": back})

    booked = patient_client.get(back).content.decode()
    assert "<h1>Booked</h1>" in booked
    assert "state-paid" in booked
    assert "registration fee by" not in booked
    assert Appointment.objects.get().status == "booked"


def test_booking_now_and_paying_later_leaves_the_fee_under_to_pay(
    patient_client, patient_actor, sessions
):
    _actor, patient = patient_actor
    slot = first_slot(session_on(sessions, 1))
    page = patient_client.get(f"/p/book/slots/{slot.pk}/").content.decode()
    made = patient_client.post(
        f"/p/book/slots/{slot.pk}/", {"patient": patient.pk, "key": key_of(page)}
    )
    shown = patient_client.get(made["Location"]).content.decode()
    assert "The ¥50.00 registration fee is not paid yet" in shown
    assert "state-unpaid" in shown
    to_pay = patient_client.get("/p/payments/").content.decode()
    assert "¥50.00" in to_pay
    assert "Mobile medical insurance" in to_pay


def test_a_refused_booking_shows_its_message_and_writes_nothing(
    patient_client, patient_actor, sessions
):
    _actor, patient = patient_actor
    slot = first_slot(session_on(sessions, 16))  # not released yet
    audit_rows = AuditEvent.objects.count()

    response = patient_client.post(
        f"/p/book/slots/{slot.pk}/", {"patient": patient.pk, "key": "k1"}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/p/book/slots/{slot.pk}/"
    assert "This day is not open for booking through this channel yet." in page
    assert "Booking for this day opens 11-25 07:00." in page
    assert 'id="booking-form"' not in page
    assert Appointment.objects.count() == 0
    assert not SlotPool.objects.filter(booked__gt=0).exists()
    assert AuditEvent.objects.count() == audit_rows
    assert not delivered().filter(purpose="appointment_booked").exists()


def test_a_full_time_is_shown_but_cannot_be_chosen(patient_client, sessions):
    session = session_on(sessions, 1)
    slot = first_slot(session)
    # Booked out, in every pool.
    for pool in SlotPool.objects.filter(slot=slot):
        SlotPool.objects.filter(pk=pool.pk).update(booked=pool.capacity)

    page = patient_client.get(f"/p/book/sessions/{session.pk}/").content.decode()

    assert f'<span class="slot disabled" aria-disabled="true" data-slot-id="{slot.pk}">' in page
    assert f"/p/book/slots/{slot.pk}/" not in page


def test_a_patient_cancels_before_the_deadline(patient_client, sessions, book):
    appointment = book(first_slot(session_on(sessions, 7)))

    listing = patient_client.get("/p/appointments/").content.decode()
    assert appointment.booking_number in listing
    shown = patient_client.get(f"/p/appointments/{appointment.pk}").content.decode()
    assert "You can cancel or change until 11-29 15:00." in shown
    response = patient_client.post(f"/p/appointments/{appointment.pk}/cancel", follow=True)

    page = response.content.decode()
    assert "Booking cancelled." in page
    assert f"/p/appointments/{appointment.pk}/cancel" not in page
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_cancelling_after_the_deadline_is_refused_with_its_message(
    patient_client, sessions, book, clock
):
    appointment = book(first_slot(session_on(sessions, 1)))
    clock.advance(dt.timedelta(hours=6))  # 15:30, after the 15:00 deadline the day before

    shown = patient_client.get(f"/p/appointments/{appointment.pk}").content.decode()
    assert "The cancellation deadline has passed." in shown
    assert f"/p/appointments/{appointment.pk}/cancel" not in shown
    response = patient_client.post(f"/p/appointments/{appointment.pk}/cancel", follow=True)

    assert 'class="error">The cancellation deadline has passed.' in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_booking_pages_need_a_signed_in_patient(client):
    response = client.get("/p/book/")
    assert response["Location"] == "/p/sign-in?next=%2Fp%2Fbook%2F"


def test_another_accounts_booking_is_not_found(client, sessions, book):
    appointment = book(first_slot(session_on(sessions, 7)))
    stranger = MobileAccount.objects.create(phone="13900001111", created_at=NOW)
    sign_in_patient(client, stranger.pk)

    assert client.get(f"/p/appointments/{appointment.pk}").status_code == 404
    assert client.post(f"/p/appointments/{appointment.pk}/cancel").status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "booked"


# --- staff ----------------------------------------------------------------------------------


def test_clerk_books_a_walk_in_with_priority_at_the_window(
    client, clerk, register, sessions, medicine
):
    patient = register()
    client.force_login(clerk.user)
    found = client.get("/staff/booking/", {"q": "110101199003074477"}).content.decode()
    assert f"patient={patient.pk}" in found

    session = session_on(sessions, 0)
    page = client.get(
        "/staff/booking/", {"patient": patient.pk, "department": medicine.pk, "date": "2026-11-23"}
    ).content.decode()
    assert f'data-session-id="{session.pk}"' in page
    assert "Window / on site" in page  # what is left in each pool
    slot = free_slot(session, "window")
    response = client.post(
        "/staff/booking/",
        {
            "patient": patient.pk,
            "slot": slot.slot_id,
            "channel": "window",
            "walk_in": "on",
            "priority": "2",
            "key": key_of(page),
        },
    )

    appointment = Appointment.objects.get()
    assert response["Location"] == f"/staff/booking/appointments/{appointment.pk}"
    assert (appointment.channel, appointment.is_walk_in, appointment.priority) == (
        "window",
        True,
        2,
    )
    slip = client.get(response["Location"]).content.decode()
    assert appointment.booking_number in slip
    assert f"Please arrive {hhmm(slot.starts_at)}–{hhmm(slot.ends_at)}" in slip
    assert "Elderly or disabled" in slip
    assert AuditEvent.objects.filter(action="view", summary="appointment").count() == 1


def test_a_refusal_at_the_window_is_shown_and_writes_nothing_more(
    client, clerk, register, sessions, medicine
):
    patient = register()
    client.force_login(clerk.user)
    session = session_on(sessions, 2)
    url = f"/staff/booking/?patient={patient.pk}&department={medicine.pk}&date=2026-11-25"
    first, second = availability.session_slots(session, "window", NOW)[:2]
    form = {"patient": patient.pk, "channel": "window", "priority": "3"}
    client.post(url, {**form, "slot": first.slot_id, "key": "a"})

    response = client.post(url, {**form, "slot": second.slot_id, "key": "b"}, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert "You already have a booking in this session." in response.content.decode()
    assert Appointment.objects.count() == 1


def test_return_visits_are_booked_in_clinic_beyond_the_public_window(
    client, clerk, make_staff, tertiary, register, sessions, medicine, doctor
):
    patient = register()
    later = session_on(sessions, 18)
    query = {"patient": patient.pk, "department": medicine.pk, "doctor": doctor.pk}
    client.force_login(clerk.user)
    assert 'value="2026-12-11"' not in client.get("/staff/booking/", query).content.decode()

    client.force_login(make_staff("doctor", tertiary).user)
    page = client.get(
        "/staff/booking/return-visit", {**query, "date": "2026-12-11"}
    ).content.decode()
    assert f'data-session-id="{later.pk}"' in page
    assert 'name="walk_in"' not in page
    slot = free_slot(later, "in_clinic")
    response = client.post(
        "/staff/booking/return-visit",
        {"patient": patient.pk, "slot": slot.slot_id, "channel": "in_clinic", "key": "r1"},
    )

    appointment = Appointment.objects.get()
    assert response["Location"] == f"/staff/booking/appointments/{appointment.pk}"
    assert (appointment.channel, appointment.pool.kind) == ("in_clinic", "in_clinic")


def test_each_desk_needs_its_permission(client, clerk, make_staff, tertiary):
    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/staff/booking/").status_code == 403
    client.force_login(clerk.user)
    assert client.get("/staff/booking/return-visit").status_code == 403
    client.logout()
    assert client.get("/staff/booking/")["Location"].startswith("/staff/login")
