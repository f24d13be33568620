"""The service centre's desks in a real browser (issue 21): an errand sent from the phone and
refused at the window with its reason shown back on the phone; a sick-leave certificate stamped
at the window whose QR link opens the public check page, while a forged code is "not valid"."""

from __future__ import annotations

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.referral.tests.test_browser import desk
from onetrip.reports.tests.test_browser import sign_in
from onetrip.service.models import Certificate, ErrandTicket
from onetrip.service.services import certificates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_errand_from_the_phone_refused_at_the_window_shows_its_reason(
    browser, live_server, phone_page, centre
):
    phone = phone_page
    sign_in(phone, centre.patient.phone)
    phone.click("#home-service")
    phone.click("#open-errand")
    phone.select_option("#id_institution_id", str(centre.hospital.pk))
    phone.select_option("#id_errand", "sick_leave")
    phone.fill("#id_details", "3月5日内科门诊")
    phone.click("#errand-form button[type=submit]")
    phone.wait_for_selector("#errand-status")
    assert "办理中" in phone.inner_text("#errand-status")
    ticket = ErrandTicket.objects.get()

    window = desk(browser, live_server, centre.window)
    window.click("#nav-one-window")
    window.locator(f"#tickets tr[data-ticket-id='{ticket.pk}']").get_by_role("link").click()
    window.fill("#id_reason", "请携带门诊病历原件")
    window.click("#refuse-form button[type=submit]")
    window.wait_for_selector("#status >> text=请携带门诊病历原件")

    phone.reload()
    assert "请携带门诊病历原件" in phone.inner_text("#refusal-reason")
    phone.screenshot(path=str(ARTIFACTS / "service-errand-phone.png"), full_page=True)


def test_a_certificate_stamped_at_the_window_is_checked_by_its_code(browser, live_server, centre):
    window = desk(browser, live_server, centre.window)
    window.click("#nav-certificates")
    window.fill("#id_patient_id", str(centre.patient.pk))
    window.select_option("#id_kind", "sick_leave")
    window.fill("#id_doctor_name", "李医生")
    window.fill("#id_statement", "急性支气管炎，建议休息三天")
    window.fill("#id_starts_on", "2026-11-23")
    window.fill("#id_ends_on", "2026-11-25")
    window.click("#certificate-form button[type=submit]")
    window.click("#stamp-form button[type=submit]")
    window.wait_for_selector("#certificate-pdf")
    certificate = Certificate.objects.get()
    assert certificate.status == "stamped"

    token = certificates.verification_token(certificate)
    checker = browser.new_page()
    checker.goto(f"{live_server.url}/c/verify/{token}")
    assert certificate.reference in checker.inner_text("main")
    assert "2026-11-23 — 2026-11-25" in checker.inner_text("main")
    checker.screenshot(path=str(ARTIFACTS / "service-certificate-check.png"), full_page=True)
    checker.goto(f"{live_server.url}/c/verify/{token[:-3]}abc")
    assert checker.locator("#not-valid").is_visible()
