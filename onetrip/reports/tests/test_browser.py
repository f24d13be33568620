"""A patient opens their exam reports on a phone, in a real browser (R-EXAM-4): two exams are
ordered (or planned and booked on the phone with the exams app's one-trip planner), both results
arrive over HL7, the SMS points at the report, the page fits the screen, shows the flagged value,
and the PDF opens."""

from __future__ import annotations

import re

import pytest

from onetrip.conftest import ARTIFACTS, NOW
from onetrip.exams.tests.conftest import exam_setup, phone_actor  # noqa: F401 (full calendars)
from onetrip.exams.tests.test_browser import book_two_exam_plan_on_a_phone
from onetrip.identity.models import ConsentBasis, MobileAccount, ProxyGrant, Relationship
from onetrip.notifications.testing import delivered
from onetrip.reports import services
from onetrip.reports.tests.messages import GLUCOSE, POTASSIUM_CRITICAL, oru

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARRATIVE = "OBX|1|TX|19005-8^Impression^LN||肝胆胰脾未见明显异常\\.br\\建议定期复查||||||F"


def sign_in(page, phone: str) -> None:
    page.goto("/p/sign-in")
    page.fill("#id_phone", phone)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    body = delivered().get(phone=phone, purpose="sign_in_code").body
    page.fill("#id_code", re.search(r"\d{6}", body).group())
    page.click("button[type=submit]")
    page.wait_for_url("**/p/")


def test_a_patient_opens_two_exam_reports_on_a_phone(phone_page, place_order, lab):
    page = phone_page
    blood, ultrasound = place_order("BLOOD_FASTING"), place_order("US_ABD")
    patient = blood.patient
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    services.receive_hl7(
        oru(placer=blood.placer_number, observations=(GLUCOSE, POTASSIUM_CRITICAL)), actor=lab
    )
    services.receive_hl7(
        oru(
            placer=ultrasound.placer_number,
            control_id="RIS0001",
            section="RUS",
            service="US-ABD^腹部超声^L",
            observations=(NARRATIVE,),
        ),
        actor=lab,
    )
    ready = delivered().filter(purpose="report_ready", phone=patient.phone)
    assert ready.count() == 2
    link = re.search(r"/p/reports/\d+", ready.order_by("id").first().body).group()

    sign_in(page, patient.phone)
    page.goto("/p/reports/")
    assert page.locator(".report-card").count() == 2
    page.click(f"a[href='{link}']")
    page.wait_for_url(f"**{link}")

    potassium = page.locator(".observation[data-code='2823-3']")
    assert potassium.get_attribute("data-flag") == "HH"
    assert "6.9" in potassium.inner_text()
    assert page.locator(".notice.critical").is_visible()
    fits_the_screen = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits_the_screen
    page.screenshot(path=str(ARTIFACTS / "patient-report-phone.png"), full_page=True)

    pdf = page.request.get(f"{link}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.goto("/p/reports/")
    page.click("text=腹部超声")
    assert "建议定期复查" in page.locator(".observation").first.inner_text()


def test_a_patient_books_a_two_exam_plan_then_opens_its_reports(
    phone_page,
    exam_setup,  # noqa: F811
    doctor_actor,
    phone_actor,  # noqa: F811
    lab,
):
    page = phone_page
    gastroscopy, ultrasound = book_two_exam_plan_on_a_phone(page, exam_setup, doctor_actor)
    assert page.locator(".booked-exam").count() == 2

    impressions = {
        ultrasound: ("RUS", "US-ABD^腹部超声^L", "肝胆胰脾未见明显异常"),
        gastroscopy: ("GI", "GASTRO^胃镜检查^L", "慢性非萎缩性胃炎"),
    }
    for number, (order, (section, service, text)) in enumerate(impressions.items(), start=1):
        services.receive_hl7(
            oru(
                placer=order.placer_number,
                control_id=f"RIS{number:04d}",
                section=section,
                service=service,
                observations=(f"OBX|1|TX|19005-8^Impression^LN||{text}||||||F",),
            ),
            actor=lab,
        )

    page.goto("/p/reports/")
    assert page.locator(".report-card").count() == 2
    page.click("text=胃镜检查")
    assert "慢性非萎缩性胃炎" in page.locator(".observation").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "exam-plan-report-phone.png"), full_page=True)
