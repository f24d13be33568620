"""A patient registers on a phone, in a real browser (R-ID-1; pages are phone-sized and Chinese)."""

import re

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.identity.models import IdentityDocument
from onetrip.notifications.testing import delivered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13912345678"


def sign_in(page) -> None:
    page.goto("/p/sign-in")
    page.fill("#id_phone", PHONE)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    body = delivered().get(phone=PHONE).body
    page.fill("#id_code", re.search(r"\d{6}", body).group())
    page.click("button[type=submit]")
    page.wait_for_url("**/p/")


def test_patient_registers_on_a_phone(phone_page):
    page = phone_page
    sign_in(page)
    page.click("a[href='/p/register']")

    page.select_option("#id_relationship", "self")
    page.fill("#id_name", "李娜")
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_date", "1990-03-07")
    page.select_option("#id_doc_type", "resident_id")
    page.fill("#id_doc_number", "110101199003074461")  # one digit off: wrong check digit
    page.click("#registration-form button[type=submit]")
    error = page.locator("#field-doc_number .errorlist")
    assert error.is_visible()
    assert IdentityDocument.objects.count() == 0

    page.fill("#id_doc_number", "110101199003074469")
    page.click("#registration-form button[type=submit]")
    page.wait_for_url("**/p/")

    card = page.locator(".patient-card")
    assert card.locator("h2").inner_text().startswith("李娜")
    assert card.locator(".doc-number").inner_text() == "1101**********4469"
    fits_the_screen = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits_the_screen
    page.screenshot(path=str(ARTIFACTS / "patient-registered-phone.png"), full_page=True)


def test_a_window_patient_links_her_record_on_a_phone(phone_page, register):
    """Registered at a window with another phone (issue 12 item 2): the code goes to the phone on
    file, and her record joins the account she signed in with."""
    window_record = register(phone="13812345678")
    page = phone_page
    sign_in(page)
    page.click("a[href='/p/claim']")

    page.select_option("#id_relationship", "self")
    page.select_option("#id_doc_type", "resident_id")
    page.fill("#id_doc_number", "110101199003074477")
    page.fill("#id_name", "张伟")
    page.fill("#id_birth_date", "1990-03-07")
    page.click("#claim-form button[type=submit]")
    page.wait_for_url("**/p/claim/code")
    assert "138****5678" in page.inner_text("#claim-sent")
    page.screenshot(path=str(ARTIFACTS / "patient-claim-code-phone.png"), full_page=True)

    body = delivered().get(phone="13812345678", purpose="record_claim_code").body
    page.fill("#id_code", re.search(r"\d{6}", body).group())
    page.click("#claim-code-form button[type=submit]")
    page.wait_for_url("**/p/")

    card = page.locator(f".patient-card[data-patient-id='{window_record.pk}']")
    assert card.locator("h2").inner_text().startswith("张伟")
    page.screenshot(path=str(ARTIFACTS / "patient-claimed-phone.png"), full_page=True)
