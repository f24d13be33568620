"""Billing pages: the phone/kiosk bill reached by its signed link, the sandbox cashier, and the
staff cashier desk (R-PAY-1: in-clinic, kiosk, mobile)."""

import pytest

from onetrip.billing.models import Settlement
from onetrip.billing.services import charges
from onetrip.notifications.testing import delivered
from onetrip.web.links import bill_link

pytestmark = pytest.mark.django_db


def test_the_phone_bill_lists_items_and_pays_through_the_wechat_sandbox(client, bill, clock):
    page = client.get(bill_link(bill))
    assert "胸部CT平扫" in page.content.decode()
    assert "¥215.00" in page.content.decode()
    to_cashier = client.post(bill_link(bill), {"channel": "wechat"})
    cashier = client.get(to_cashier["Location"])
    assert "¥215.00" in cashier.content.decode()
    back = client.post(to_cashier["Location"], {"return_to": bill_link(bill)})
    assert back["Location"].startswith("/p/bills/")
    settlement = Settlement.objects.get()
    assert settlement.status == "settled"
    assert settlement.mode == "mobile"


def test_the_kiosk_page_records_the_kiosk_mode(client, bill, clock):
    client.post(bill_link(bill, place="kiosk"), {"channel": "alipay"})
    assert Settlement.objects.get().mode == "kiosk"


def test_a_tampered_bill_link_is_not_found(client, bill):
    assert client.get(bill_link(bill)[:-3] + "xx/").status_code == 404


def test_the_cashier_desk_settles_refunds_and_texts_the_link(client, bill, cashier, clock):
    client.force_login(cashier.user)
    desk = f"/staff/billing/desk/?visit={bill.visit_reference}"
    assert "¥215.00" in client.get(desk).content.decode()
    client.post(desk, {"action": "text_link"})
    assert delivered().filter(purpose="billing_link", phone=bill.patient.phone).exists()
    refused = client.post(desk, {"action": "settle", "mode": "window", "channel": "cheque"})
    assert refused.status_code == 200  # the cheque number is missing: the form says so
    assert not Settlement.objects.exists()
    client.post(desk, {"action": "settle", "mode": "window", "channel": "cash"})
    settlement = Settlement.objects.get()
    assert settlement.status == "settled"
    too_much = client.post(
        desk,
        {"action": "refund", "settlement_id": settlement.pk, "amount_fen": 30000, "reason": "x"},
    )
    assert too_much.status_code == 200
    client.post(
        desk, {"action": "refund", "settlement_id": settlement.pk, "amount_fen": 500, "reason": "x"}
    )
    assert settlement.payment.refunds.get().amount_fen == 500


def test_the_desk_needs_the_settle_permission(client, make_staff, tertiary):
    client.force_login(make_staff("nurse", tertiary).user)
    assert client.get("/staff/billing/desk/").status_code == 403


def test_paying_a_settled_bill_again_on_the_phone_says_so(client, bill, cashier, clock):
    from onetrip.billing.tests.helpers import settle

    settle(bill, cashier, channel="cash", mode="window")
    response = client.post(bill_link(bill), {"channel": "wechat"}, follow=True)
    assert response.status_code == 200
    assert Settlement.objects.count() == 1
    assert "already settled" in response.content.decode() or "已结清" in response.content.decode()


def test_an_unknown_channel_on_the_phone_changes_nothing(client, bill):
    response = client.post(bill_link(bill), {"channel": "bitcoin"}, follow=True)
    assert response.status_code == 200
    assert not Settlement.objects.exists()


def test_the_cashier_desk_refunds_in_full_and_can_put_the_charges_back(
    client, bill, cashier, clock
):
    client.force_login(cashier.user)
    desk = f"/staff/billing/desk/?visit={bill.visit_reference}"
    client.post(desk, {"action": "settle", "mode": "window", "channel": "cash"})
    settlement = Settlement.objects.get()
    assert "全额退费" in client.get(desk).content.decode()
    no_reason = client.post(desk, {"action": "refund_in_full", "settlement_id": settlement.pk})
    assert no_reason.status_code == 200
    client.post(
        desk,
        {
            "action": "refund_in_full",
            "settlement_id": settlement.pk,
            "reason": "改结算",
            "settle_again": "on",
        },
    )
    settlement.refresh_from_db()
    assert settlement.status == "refunded"
    assert charges.itemised_bill(bill).outstanding_fen == 21500  # back on the bill
    client.post(desk, {"action": "settle", "mode": "window", "channel": "cash"})
    assert Settlement.objects.filter(status="settled").count() == 1


def test_the_desk_tops_up_the_deposit_and_settles_the_discharge(
    client, inpatient_bill, cashier, clock
):
    client.force_login(cashier.user)
    desk = f"/staff/billing/desk/?visit={inpatient_bill.visit_reference}"
    client.post(desk, {"action": "top_up", "amount_fen": "50000", "channel": "cash"})
    page = client.get(desk).content.decode()
    assert 'id="deposit-balance">¥500.00' in page
    client.post(desk, {"action": "discharge", "channel": ""})
    page = client.get(desk).content.decode()
    assert 'id="deposit-balance">¥0.00' in page
    assert Settlement.objects.get(mode="discharge").deposit_fen == 20_500
    refused = client.post(desk, {"action": "top_up", "amount_fen": "-5", "channel": "cash"})
    assert refused.status_code == 200  # the form's own error, nothing written
    assert Settlement.objects.filter(mode="inpatient_deposit").count() == 1


def test_the_phone_bill_of_an_admission_tops_up_through_the_wechat_sandbox(
    client, inpatient_bill, clock
):
    page = client.get(bill_link(inpatient_bill)).content.decode()
    assert 'id="deposit-balance">¥0.00' in page
    to_cashier = client.post(
        bill_link(inpatient_bill), {"action": "top_up", "amount_yuan": "300", "channel": "wechat"}
    )
    client.post(to_cashier["Location"], {"return_to": bill_link(inpatient_bill)})
    page = client.get(bill_link(inpatient_bill)).content.decode()
    assert 'id="deposit-balance">¥300.00' in page
    assert Settlement.objects.get().mode == "inpatient_mobile"


def test_an_admission_paid_on_the_phone_counts_as_inpatient_mobile(client, inpatient_bill, clock):
    to_cashier = client.post(bill_link(inpatient_bill), {"channel": "alipay"})
    client.post(to_cashier["Location"], {"return_to": bill_link(inpatient_bill)})
    settled = Settlement.objects.get()
    assert (settled.mode, settled.status, settled.total_fen) == (
        "inpatient_mobile",
        "settled",
        20500,
    )
