"""The kiosk's booking pages on a portrait touch screen (issue 15 item 11, D105), counting the
patient's taps: card, department, time, then the fee paid at the kiosk."""

from __future__ import annotations

import pytest

from onetrip.conftest import ARTIFACTS, actor_for
from onetrip.scheduling.api_keys import issue_api_key
from onetrip.scheduling.models import Appointment
from onetrip.scheduling.services.booking import registration_fee
from onetrip.scheduling.tests.helpers import session_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_books_and_pays_at_the_kiosk(
    browser, live_server, sessions, medicine, register, make_staff, tertiary
):
    patient = register()
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, key = issue_api_key(tertiary.pk, "门诊大厅自助机 1", "kiosk", actor=admin)
    context = browser.new_context(
        viewport={"width": 1080, "height": 1920},
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(60000)  # the shared test machine is slow at times
    page.set_default_navigation_timeout(60000)
    # Set up once by the hospital's staff: not the patient's taps.
    page.goto("/kiosk/")
    page.fill("#id_key", key)
    page.click("#kiosk-device-form button[type=submit]")
    page.wait_for_selector("#kiosk-identify-form")

    taps = 0
    page.fill("#id_doc_number", "110101199003074477")  # the card reader types it
    page.locator("#kiosk-identify-form button[type=submit]").tap()
    page.wait_for_url("**/kiosk/book/")
    page.locator(f"[data-department-id='{medicine.pk}']").tap()
    page.wait_for_selector(".kiosk-session")
    today = session_on(sessions, 0)
    card = page.locator(f".kiosk-session[data-session-id='{today.pk}']")
    assert "¥50.00" in card.inner_text()
    card.locator("button[data-slot-id]").first.tap()
    page.wait_for_url("**/kiosk/slip/")
    taps += 3

    booked = Appointment.objects.get()
    assert (booked.patient_id, booked.channel) == (patient.pk, "kiosk")
    assert booked.booking_number in page.inner_text("#kiosk-slip")
    page.screenshot(path=str(ARTIFACTS / "kiosk-slip.png"), full_page=True)
    page.locator("#kiosk-pay").tap()
    page.wait_for_url("**/kiosk/bills/**")
    page.locator("button[value=wechat]").tap()
    page.wait_for_url("**/sandbox/wechat/cashier/**")
    page.locator("button[type=submit]").tap()
    page.wait_for_url("**/kiosk/bills/**")
    taps += 3
    page.wait_for_selector(".paid")
    assert registration_fee(booked).paid
    assert taps == 6
    page.screenshot(path=str(ARTIFACTS / "kiosk-paid.png"), full_page=True)
    context.close()
