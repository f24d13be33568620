"""A medical record copy in a real browser (R-SVC-1): the patient applies on the phone, pays the
fee, the records office prepares it and posts it through the courier adapter, the courier's
tracking marks it delivered and the patient sees the parcel's way on the phone."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.core.models import AuditEvent
from onetrip.referral.tests.test_browser import desk
from onetrip.reports.tests.test_browser import sign_in
from onetrip.service.models import RecordCopy
from onetrip.service.services import record_copies
from onetrip.service.tests.conftest import pay_at_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_record_copy_from_the_phone_application_to_delivery(
    browser, live_server, phone_page, centre, clock
):
    phone = phone_page
    sign_in(phone, centre.patient.phone)
    phone.click("#home-service")
    phone.click("#apply-copy")
    phone.select_option("#id_patient_id", str(centre.patient.pk))
    phone.select_option("#id_institution_id", str(centre.hospital.pk))
    phone.fill("#id_visit_description", "2026年3月内科住院")
    phone.select_option("#id_purpose", "insurance")
    phone.select_option("#id_copies", "2")
    phone.check("#id_delivery_0")  # by post
    phone.fill("#id_recipient_name", "张伟")
    phone.fill("#id_recipient_phone", "13812345678")
    phone.fill("#id_address", "北京市东城区东单北大街1号")
    phone.click("#copy-form button[type=submit]")
    phone.wait_for_selector("#pay-copy")
    copy = RecordCopy.objects.get()
    assert copy.fee_fen == 2000

    # The fee is paid (at the window here; the phone's payment is billing's own tested flow).
    pay_at_window(record_copies.fee_bill(copy).pk, centre.cashier)
    phone.reload()
    phone.wait_for_selector("#preparing")

    office = desk(browser, live_server, centre.window)
    office.click("#nav-record-copies")
    office.locator(f"#copies tr[data-copy-id='{copy.pk}']").get_by_role("link").click()
    assert "已支付" in office.inner_text("#fee")
    office.fill("#id_pages", "12")
    office.click("#prepare-form button[type=submit]")
    office.wait_for_selector("#waybill")
    office.screenshot(path=str(ARTIFACTS / "service-record-copy-desk.png"), full_page=True)

    clock.advance(dt.timedelta(hours=25))
    assert record_copies.track_deliveries() == 1
    phone.reload()
    assert "已送达" in phone.inner_text("#status")
    assert "已签收" in phone.inner_text("#tracking")
    phone.screenshot(path=str(ARTIFACTS / "service-record-copy-phone.png"), full_page=True)
    assert AuditEvent.objects.filter(object_type="service.recordcopy").count() >= 4
