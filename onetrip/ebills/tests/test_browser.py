"""A patient opens an e-bill on a phone and checks it is genuine, in a real browser (R-PAY-5)."""

from __future__ import annotations

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.scheduling.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_opens_an_e_bill_on_a_phone_and_verifies_it(phone_page, account, issue):
    page = phone_page
    _actor, patient = account
    bill = issue()

    sign_in(page, patient.phone)
    page.goto("/p/ebills/")
    page.click(f"a[data-ebill-id='{bill.pk}']")
    page.wait_for_url(f"**/p/ebills/{bill.pk}/")

    assert page.locator(".bill-number").inner_text() == bill.bill_number
    assert page.locator(".total").inner_text() == "¥360.00"
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the bill must fit the phone's width"
    page.screenshot(path=str(ARTIFACTS / "ebill-phone.png"), full_page=True)

    pdf = page.request.get(f"/p/ebills/{bill.pk}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"

    page.click("a[href^='/ebills/verify/']")
    assert page.locator(".verdict.genuine").is_visible()
    assert page.locator(".payer").inner_text() == "张*"
