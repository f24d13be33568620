"""R-PAY-8 on a phone (D100): the patient adds their commercial health policy, verified by the
sandbox insurer, then pays a bill from 待缴费 with the insurer's share deducted; the share shows on
the paid list, the bill and the e-bill."""

import pytest

from onetrip.billing.models import SandboxTrade, Settlement
from onetrip.billing.services import settlements
from onetrip.billing.tests.test_to_pay_browser import sign_in
from onetrip.conftest import ARTIFACTS, NOW
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.insurance.models import DirectSettlement
from onetrip.insurance.tests.commercial_helpers import sandbox_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bill_paid_on_the_phone_with_the_commercial_insurers_share(phone_page, bill):
    patient = bill.patient
    sandbox_policy()
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
    page.set_default_timeout(60000)
    page.set_default_navigation_timeout(60000)
    sign_in(page, patient.phone)

    page.locator("#home-insurance").tap()
    page.wait_for_url("**/p/insurance/")
    page.wait_for_selector("#no-policies")
    page.select_option("#id_insurer", "picc_health")
    page.fill("#id_policy_number", "PICC2026000123")
    page.locator("#policy-form button[type=submit]").tap()
    page.wait_for_selector(".policy")
    assert "人保健康" in page.locator(".policy").inner_text()
    assert "80%" in page.locator(".policy").inner_text()

    page.goto("/p/")
    page.locator("#home-pay").tap()
    page.wait_for_url("**/p/payments/")
    card = page.locator(f"[data-bill-id='{bill.pk}']")
    assert card.locator(".commercial-option input").is_checked()
    card.locator("button[value=wechat]").tap()
    page.wait_for_url("**/sandbox/wechat/cashier/**")
    page.locator("button[type=submit]").tap()
    page.wait_for_url("**/p/payments/")
    page.wait_for_selector("#nothing-to-pay")

    # 215.00 self-paid: 50.00 deductible, the insurer 80% of 165.00, the patient the rest.
    settlement = Settlement.objects.get(status="settled")
    assert (settlement.commercial_fen, settlement.cash_fen) == (13_200, 8_300)
    assert SandboxTrade.objects.get().amount_fen == 8_300
    assert DirectSettlement.objects.get().status == "settled"
    assert "132.00" in page.locator(".commercial-share").inner_text()
    page.screenshot(path=str(ARTIFACTS / "phone-commercial-paid.png"), full_page=True)

    assert settlements.issue_due_ebills().issued == 1  # the e-bill worker, seconds later (D245)
    page.reload()
    page.locator(".paid-settlement").first.tap()
    page.wait_for_url("**/p/ebills/**")
    assert "¥132.00" in page.locator(".commercial").inner_text()
    assert page.locator(".cash").inner_text() == "¥215.00"
    page.screenshot(path=str(ARTIFACTS / "phone-commercial-ebill.png"), full_page=True)
