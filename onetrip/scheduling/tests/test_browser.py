"""A patient books a time on a phone, in a real browser (R-APPT-1/2: department → doctor → day →
time, minute-precise; the confirmation shows the booking number and when to arrive)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from onetrip.conftest import ARTIFACTS, NOW
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import Appointment
from onetrip.scheduling.services import availability
from onetrip.scheduling.tests.helpers import session_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, phone: str) -> None:
    page.goto("/p/sign-in")
    page.fill("#id_phone", phone)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    body = delivered().get(phone=phone, purpose="sign_in_code").body
    page.fill("#id_code", re.search(r"\d{6}", body).group())
    page.click("button[type=submit]")
    page.wait_for_url("**/p/")


def test_a_patient_books_a_time_on_a_phone(phone_page, patient_actor, sessions, medicine):
    page = phone_page
    _actor, patient = patient_actor
    session = session_on(sessions, 1)
    # The first time from 08:40 with a place open to the app.
    views = availability.session_slots(session, "app", NOW)
    chosen = next(
        view
        for view in views
        if view.remaining and timezone.localtime(view.starts_at).time() >= dt.time(8, 40)
    )
    window = (
        f"{timezone.localtime(chosen.starts_at):%H:%M}–{timezone.localtime(chosen.ends_at):%H:%M}"
    )

    sign_in(page, patient.phone)
    page.goto("/p/book/")
    page.click(f"a[href='/p/book/institutions/{session.institution_id}/']")
    page.click(f"a[href='/p/book/departments/{medicine.pk}/']")
    page.click(f"a[data-doctor-id='{session.doctor_id}']")
    page.click(f"a[data-session-id='{session.pk}']")
    page.wait_for_url(f"**?session={session.pk}")
    full = page.locator(".slot.disabled")
    assert full.count() == sum(1 for view in views if not view.remaining)
    page.click(f"a[data-slot-id='{chosen.slot_id}']")
    assert page.locator("#booking-form input[type=radio]").is_checked()  # the only patient
    page.click("#book-pay-later")
    page.wait_for_url("**/p/appointments/*")

    appointment = Appointment.objects.get()
    assert appointment.slot_id == chosen.slot_id
    assert page.locator(".booking-number strong").inner_text() == appointment.booking_number
    assert window in page.locator(".visit-window").inner_text()
    assert page.locator(".patient-name").inner_text() == patient.name
    fits_the_screen = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits_the_screen
    page.screenshot(path=str(ARTIFACTS / "booking-phone.png"), full_page=True)


def test_a_patient_books_and_pays_the_fee_with_alipay_on_a_phone(
    phone_page, patient_actor, sessions
):
    """Issue 4 item 3 with R-PAY-1/2: the time is held while the patient pays the registration
    fee through the Alipay sandbox, coming back to the same order after leaving its cashier; the
    paid fee confirms the booking."""
    page = phone_page
    _actor, patient = patient_actor
    session = session_on(sessions, 1)
    chosen = next(
        view for view in availability.session_slots(session, "app", NOW) if view.remaining
    )

    sign_in(page, patient.phone)
    page.goto(f"/p/book/slots/{chosen.slot_id}/")
    page.click("button[name=pay_with][value=alipay]")
    page.wait_for_url("**/sandbox/alipay/cashier/**")
    appointment = Appointment.objects.get()
    assert appointment.status == "held"
    # She leaves the cashier without paying; the held booking says the payment is open and
    # takes her back to the same order (not a second one that could be paid twice).
    held_page = f"/p/appointments/{appointment.pk}"
    page.goto(held_page)
    assert page.locator("form.pay-fee").count() == 0
    page.screenshot(path=str(ARTIFACTS / "booking-phone-held.png"), full_page=True)

    page.click("#resume-payment")
    page.wait_for_url("**/sandbox/alipay/cashier/**")
    assert page.inner_text("#cashier-amount") == "¥50.00"
    page.click("button[type=submit]")
    page.wait_for_url(f"**{held_page}")

    assert page.locator("form.pay-fee").count() == 0
    assert page.locator(".state-paid").count() == 1
    assert page.locator(".booking-number strong").inner_text() == appointment.booking_number
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert delivered().filter(phone=patient.phone, purpose="appointment_booked").exists()
    page.screenshot(path=str(ARTIFACTS / "booking-phone-paid.png"), full_page=True)
