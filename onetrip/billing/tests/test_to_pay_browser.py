"""Issue 15 journey (d) on a phone: every unpaid charge, across two visits, paid from 待缴费 —
one visit with mobile medical insurance, the other with WeChat Pay."""

import re

import pytest

from onetrip.billing.models import Settlement
from onetrip.billing.services import charges
from onetrip.conftest import ARTIFACTS, NOW
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.notifications.testing import delivered

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


def test_d_pay_every_unpaid_charge_from_the_to_pay_list(phone_page, bill, tertiary, cashier):
    patient = bill.patient
    # A self-paid (丙类) drug on the first visit: insurance leaves an own part to pay.
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference="MZ20261123001",
            item_code="SP-NUT",
            quantity=1,
            source="prescription",
            source_key="rx-self-paid",
        ),
        actor=cashier,
    )
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference="MZ20261120007",
            item_code="EX-CT",
            quantity=1,
            source="exam_order",
            source_key="second-visit-ct",
        ),
        actor=cashier,
    )
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
    page.set_default_timeout(60000)  # the shared test machine is slow at times
    page.set_default_navigation_timeout(60000)
    sign_in(page, patient.phone)
    taps = 0

    page.locator("#home-pay").tap()
    taps += 1
    page.wait_for_url("**/p/payments/")
    assert page.locator(".unpaid-bill").count() == 2
    shown = page.locator(".unpaid-bill").evaluate_all("cards => cards.map(c => c.dataset.billId)")
    first = bill.pk  # the visit with the self-paid drug: paid with mobile insurance
    (second,) = (int(b) for b in shown if int(b) != first)
    page.locator(f"[data-bill-id='{first}'] button[value=ins_mobile]").tap()
    page.wait_for_url("**/sandbox/ybpay/cashier/**")
    assert page.locator(".insurance-split").count() == 1  # fund, account and own part shown
    page.locator("button[type=submit]").tap()
    page.wait_for_url("**/p/payments/")
    page.locator(f"[data-bill-id='{second}'] button[value=wechat]").tap()
    page.wait_for_url("**/sandbox/wechat/cashier/**")
    page.locator("button[type=submit]").tap()
    page.wait_for_url("**/p/payments/")
    taps += 4

    page.wait_for_selector("#nothing-to-pay")
    assert page.locator(".paid-settlement").count() == 2
    settled = Settlement.objects.filter(status="settled").order_by("pk")
    assert [s.channel for s in settled] == ["ins_mobile", "wechat"]
    assert settled[0].fund_fen + settled[0].account_fen > 0
    assert taps == 5
    page.screenshot(path=str(ARTIFACTS / "phone-d-all-paid.png"), full_page=True)
