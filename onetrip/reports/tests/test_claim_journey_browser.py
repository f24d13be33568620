"""Issue 15 journey (a) on a phone, counting taps: a patient registered and booked at a window
signs in on a phone with another number, claims her record with the code sent to the phone on
file, then sees the window booking and her report, its abnormal values flagged."""

from __future__ import annotations

import re

import pytest

from onetrip.conftest import ARTIFACTS, actor_for
from onetrip.exams import services as exams
from onetrip.notifications.testing import delivered
from onetrip.reports import services
from onetrip.reports.tests.messages import GLUCOSE, POTASSIUM_CRITICAL, oru
from onetrip.scheduling.tests.conftest import doctor, medicine, sessions  # noqa: F401 (fixtures)
from onetrip.scheduling.tests.helpers import book_at, session_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT_PHONE = "13912345678"


class Taps:
    """Every tap the patient makes, counted."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.tap()
        self.count += 1


def test_a_window_patient_claims_her_record_and_sees_her_booking_and_report(
    phone_page,
    exam_setup,
    lab,
    sessions,  # noqa: F811
    doctor,  # noqa: F811
    clerk,
    make_staff,
    tertiary,
):
    page = phone_page
    page.set_default_timeout(60000)  # the shared test machine is slow at times
    page.set_default_navigation_timeout(60000)
    patient = exam_setup.patient  # registered at the window with 13812345678 on file
    booked = book_at(clerk, patient, session_on(sessions, 1), "09:00")
    profile = make_staff("doctor", tertiary)
    doctor.user = profile.user
    doctor.save(update_fields=["user"])
    blood = exams.place_exam_order(
        patient_id=patient.pk, item_code="BLOOD_FASTING", actor=actor_for(profile)
    )
    services.receive_hl7(
        oru(placer=blood.placer_number, observations=(GLUCOSE, POTASSIUM_CRITICAL)), actor=lab
    )

    # Signed in with another phone than the one the window wrote down (signing in with that one
    # links her record at once: the code proves she holds it): her record is not here yet.
    page.goto("/p/sign-in")
    page.fill("#id_phone", ACCOUNT_PHONE)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    body = delivered().get(phone=ACCOUNT_PHONE, purpose="sign_in_code").body
    page.fill("#id_code", re.search(r"\d{6}", body).group())
    taps = Taps(page)
    taps.tap("button[type=submit]")
    page.wait_for_url("**/p/")
    assert page.locator(f".patient-card[data-patient-id='{patient.pk}']").count() == 0

    taps.tap("a[href='/p/claim']")
    page.wait_for_selector("#claim-form")
    page.select_option("#id_relationship", "self")
    page.select_option("#id_doc_type", "resident_id")
    page.fill("#id_doc_number", "110101199003074477")
    page.fill("#id_name", patient.name)
    page.fill("#id_birth_date", "1990-03-07")
    taps.tap("#claim-form button[type=submit]")
    page.wait_for_url("**/p/claim/code")
    code = delivered().get(phone=patient.phone, purpose="record_claim_code").body
    page.fill("#id_code", re.search(r"\d{6}", code).group())
    taps.tap("#claim-code-form button[type=submit]")
    page.wait_for_url("**/p/")
    assert page.locator(f".patient-card[data-patient-id='{patient.pk}']").count() == 1

    taps.tap("#home-appointments")
    page.wait_for_url("**/p/appointments/")
    assert page.locator(f"[data-appointment-id='{booked.pk}']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "phone-a-claimed-booking.png"), full_page=True)
    page.goto("/p/")  # the phone's back button: not a tap on the page
    taps.tap("#home-reports")
    page.wait_for_selector(".report-card")
    taps.tap(".report-card")
    potassium = page.locator(".observation[data-code='2823-3']")
    assert potassium.get_attribute("data-flag") == "HH"
    assert page.locator(".notice.critical").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert taps.count == 7
    page.screenshot(path=str(ARTIFACTS / "phone-a-claimed-report.png"), full_page=True)
