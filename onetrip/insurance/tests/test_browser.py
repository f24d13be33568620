"""R-PAY-8 on a phone (D101): a patient insured in another city files a reimbursement claim with
two of their e-bills and follows it to payment; the finance desk sees it on its claims page."""

from __future__ import annotations

import pytest

from onetrip.billing.tests.test_to_pay_browser import sign_in
from onetrip.conftest import ARTIFACTS, NOW, STAFF_PASSWORD
from onetrip.core.actors import SYSTEM
from onetrip.ebills import services as ebills
from onetrip.ebills.tests.conftest import source
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.insurance.models import OffsiteClaim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_off_site_claim_filed_on_the_phone_and_followed_to_payment(
    browser, live_server, phone_page, register, tertiary, make_staff, clock
):
    patient = register()
    MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=MobileAccount.objects.get(phone=patient.phone),
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    bills = [
        ebills.issue_ebill(
            settlement=source(
                patient,
                tertiary,
                settlement_id=f"S000{n}",
                fund_fen=0,
                account_fen=0,
                cash_fen=36_000,
                insurance_type="",
                insurance_number="",
            ),
            actor=SYSTEM,
        )
        for n in (1, 2)
    ]
    page = phone_page
    page.set_default_timeout(60000)
    page.set_default_navigation_timeout(60000)
    sign_in(page, patient.phone)

    page.locator("#home-insurance").tap()
    page.wait_for_url("**/p/insurance/")
    page.locator("#to-claims").tap()
    page.wait_for_selector("#no-claims")
    page.locator("#new-claim").tap()
    page.wait_for_url("**/p/insurance/claims/new/")
    for bill in bills:
        page.locator(f"input[name=ebill_ids][value='{bill.pk}']").check()
    page.fill("#id_insured_area", "310000")
    page.fill("#id_payee_account", "6222 0202 0011 2233 445")
    page.locator("#claim-form button[type=submit]").tap()
    page.wait_for_selector("#claim-status")
    claim = OffsiteClaim.objects.get()
    assert page.url.endswith(f"/p/insurance/claims/{claim.pk}/")
    assert page.locator("#claim-status").inner_text() == "已提交"
    assert page.locator("#claim-total").inner_text() == "¥720.00"
    assert page.locator(".claim-bill").count() == 2
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the claim must fit the phone's width"

    for expected in ("审核中", "已核准", "已支付"):
        page.locator("#refresh-claim").tap()
        page.wait_for_function(
            "text => document.querySelector('#claim-status').innerText === text", arg=expected
        )
    assert page.locator("#claim-approved").inner_text() == "¥504.00"
    assert page.locator("#refresh-claim").count() == 0
    assert page.locator("#claim-timeline li").count() == 4
    page.screenshot(path=str(ARTIFACTS / "phone-offsite-claim-paid.png"), full_page=True)

    finance = make_staff("finance", tertiary)
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    desk = context.new_page()
    desk.set_default_timeout(60000)
    desk.goto("/staff/login")
    desk.fill("#id_username", finance.user.username)
    desk.fill("#id_password", STAFF_PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_url("**/staff/**")
    desk.click("#nav-claims")
    desk.wait_for_selector(f".claim-row[data-claim-id='{claim.pk}']")
    desk.click(f".claim-row[data-claim-id='{claim.pk}'] a")
    desk.wait_for_selector("#claim-status")
    assert desk.locator("#claim-status").inner_text() == "已支付"
    desk.screenshot(path=str(ARTIFACTS / "desk-offsite-claim.png"), full_page=True)
    context.close()
