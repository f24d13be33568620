"""Done-when of issue 6: on a phone, a patient pays an outpatient bill through the sandbox
WeChat Pay flow and opens its e-bill (R-PAY-1 mobile, R-PAY-2 WeChat Pay, R-PAY-5)."""

import re

import pytest

from onetrip.billing.models import Settlement
from onetrip.billing.services import settlements
from onetrip.conftest import ARTIFACTS, NOW
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.notifications.testing import delivered
from onetrip.web.links import bill_link

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


def test_a_patient_pays_on_the_phone_with_wechat_and_opens_the_ebill(phone_page, bill):
    patient = bill.patient
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    page = phone_page
    sign_in(page, patient.phone)
    page.goto(bill_link(bill))
    assert "¥215.00" in page.inner_text("#outstanding")
    page.click("button[value=wechat]")
    page.wait_for_url("**/sandbox/wechat/cashier/**")
    assert page.inner_text("#cashier-amount") == "¥215.00"
    page.click("button[type=submit]")
    page.wait_for_url("**/p/bills/**")
    page.wait_for_selector(".paid")
    assert Settlement.objects.get().status == "settled"
    page.screenshot(path=str(ARTIFACTS / "billing-phone-paid.png"), full_page=True)
    assert settlements.issue_due_ebills().issued == 1  # the e-bill worker, seconds later (D245)
    page.reload()
    page.click("a.ebill")
    page.wait_for_url("**/p/ebills/**")
    page.screenshot(path=str(ARTIFACTS / "billing-phone-ebill.png"), full_page=True)
    assert "215.00" in page.content()
