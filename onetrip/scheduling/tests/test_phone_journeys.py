"""Issue 15's journeys on a phone (390×844), counting taps: a paid booking from the home page in
at most 7 taps with the fee and the cancellation deadline shown before confirming (b); checking
in on the phone and watching the queue move while the clinic desk, in a second browser, calls
(c); moving a booking to another time (f)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from onetrip.billing.models import SettlementStatus
from onetrip.conftest import ARTIFACTS, NOW, STAFF_PASSWORD
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import Appointment, AppointmentStatus
from onetrip.scheduling.services import availability, queue
from onetrip.scheduling.services.booking import BookingRequest, book_slot, registration_fee
from onetrip.scheduling.tests.helpers import book_at, pay_on_phone, person, session_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def patient_machine(phone_page):
    """The shared test machine is slow at times: give each step a minute, not thirty seconds."""
    phone_page.set_default_timeout(60000)
    phone_page.set_default_navigation_timeout(60000)


class Taps:
    """Every tap the patient makes, counted."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.tap()
        self.count += 1


def sign_in(page, phone: str) -> None:
    page.goto("/p/sign-in")
    page.fill("#id_phone", phone)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    body = delivered().get(phone=phone, purpose="sign_in_code").body
    page.fill("#id_code", re.search(r"\d{6}", body).group())
    page.click("button[type=submit]")
    page.wait_for_url("**/p/")


def test_b_home_to_a_paid_booking_in_seven_taps(
    phone_page, patient_actor, sessions, medicine, clock
):
    page = phone_page
    _actor, patient = patient_actor
    clock.advance(dt.timedelta(hours=3))  # 12:30: this morning's clinic is over
    session = session_on(sessions, 1)
    first_free = next(v for v in availability.session_slots(session, "app", NOW) if v.remaining)
    sign_in(page, patient.phone)
    taps = Taps(page)

    taps.tap("#home-book")
    taps.tap(f"a[href='/p/book/institutions/{session.institution_id}/']")
    taps.tap(f"a[href='/p/book/departments/{medicine.pk}/']")
    taps.tap(f"a[data-doctor-id='{session.doctor_id}']")
    taps.tap(f"a[data-slot-id='{first_free.slot_id}']")  # the first free day's times are shown
    page.wait_for_selector("#booking-form")
    # Before confirming: the fee, the deadline to cancel, and who (preselected: herself).
    assert "¥50.00" in page.inner_text("#booking-form")
    assert "11-23 15:00" in page.inner_text("#cancel-deadline")  # the day before, 15:00
    assert page.locator("#booking-form input[type=radio]").first.is_checked()
    taps.tap("button[name=pay_with][value=wechat]")
    page.wait_for_url("**/sandbox/wechat/cashier/**")
    taps.tap("button[type=submit]")
    page.wait_for_url("**/p/appointments/*")

    assert taps.count <= 7
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.BOOKED
    assert registration_fee(appointment).paid
    assert page.locator(".state-paid").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "phone-b-paid-booking.png"), full_page=True)


def test_c_check_in_on_the_phone_and_be_called_from_the_desk(
    browser, live_server, phone_page, patient_actor, sessions, clerk, register, make_staff, tertiary
):
    page = phone_page
    _actor, patient = patient_actor
    today = session_on(sessions, 0)
    ahead = person(register, 1)
    first = book_at(clerk, ahead, today, "09:40")
    mine = book_at(clerk, patient, today, "09:50")
    queue.check_in(booking_number=first.booking_number, institution_id=tertiary.pk, actor=clerk)

    sign_in(page, patient.phone)
    taps = Taps(page)
    taps.tap("#home-appointments")
    taps.tap(f"[data-appointment-id='{mine.pk}'] a.button")
    taps.tap("#check-in")
    # The first check-in of the day checks her face against her ID card (R-ID-3, sandbox).
    page.wait_for_url("**/sandbox/faceid/**")
    taps.tap("#face-matches")
    page.wait_for_selector("#queue-ahead")
    assert page.get_attribute("#queue-ahead", "data-ahead") == "1"  # one patient ahead
    assert "5" in page.inner_text("#queue-wait")  # 10-minute slots for two: 5 minutes each

    nurse = make_staff("nurse", tertiary)
    desk = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
    staff = desk.new_page()
    staff.set_default_timeout(60000)
    staff.goto("/staff/login")
    staff.fill("#id_username", nurse.user.username)
    staff.fill("#id_password", STAFF_PASSWORD)
    staff.click("button[type=submit]")
    staff.goto(f"/staff/clinic/sessions/{today.pk}/desk")
    staff.click("form[action$='call-next'] button")
    # The phone's place moves without a reload: nobody ahead now.
    page.wait_for_selector("#queue-ahead[data-ahead='0']", timeout=60000)
    staff.click("form[action$='call-next'] button")
    page.wait_for_selector("#queue-place[data-status=called]", timeout=60000)
    assert taps.count == 4
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CALLED
    page.screenshot(path=str(ARTIFACTS / "phone-c-called.png"), full_page=True)
    staff.screenshot(path=str(ARTIFACTS / "desk-c-queue.png"), full_page=True)
    desk.close()


def test_f_reschedule_a_paid_booking(phone_page, patient_actor, sessions):
    page = phone_page
    actor, patient = patient_actor
    old_session, new_session = session_on(sessions, 2), session_on(sessions, 3)
    booked = book_slot(
        BookingRequest(
            patient_id=patient.pk,
            slot_id=old_session.slots.order_by("starts_at").first().pk,
            channel="app",
            hold=True,
        ),
        actor=actor,
    )
    assert pay_on_phone(booked, actor).status == SettlementStatus.SETTLED
    target = new_session.slots.order_by("starts_at")[3]

    sign_in(page, patient.phone)
    taps = Taps(page)
    taps.tap("#home-appointments")
    taps.tap(f"[data-appointment-id='{booked.pk}'] a.button")
    taps.tap("#reschedule")
    taps.tap(f"button[data-slot-id='{target.pk}']")
    page.wait_for_url("**/p/appointments/*")

    moved = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert moved.slot_id == target.pk
    assert registration_fee(moved).paid  # the fee went with it: nothing to pay again
    window = f"{timezone.localtime(target.starts_at):%H:%M}"
    assert window in page.inner_text(".visit-window")
    assert page.locator(".state-paid").count() == 1
    assert taps.count == 4
    page.screenshot(path=str(ARTIFACTS / "phone-f-rescheduled.png"), full_page=True)
