"""Mobile medical insurance (医保移动支付, R-PAY-2) and the phone's 待缴费 list: the fund and
personal-account parts settle through the insurance seam, the personal cash through the
platform's cashier; its notice is verified before anything moves."""

import json

import pytest
from django.urls import reverse

from onetrip.billing.channels import adapter_for
from onetrip.billing.models import Payment, SettlementStatus
from onetrip.billing.sandbox import ybpay
from onetrip.billing.services import charges, outstanding, payments
from onetrip.billing.tests.helpers import settle
from onetrip.conftest import NOW
from onetrip.core.actors import Actor, ActorKind
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.web.sessions import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def self_paid_drug(bill, patient, tertiary, cashier):
    """A 丙类 item on the visit: insurance leaves 50.00 CNY or more of personal cash."""
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference="MZ20261123001",
            item_code="SP-NUT",
            quantity=1,
            source="prescription",
            source_key="rx-9-1",
        ),
        actor=cashier,
    )
    return bill


@pytest.fixture
def phone_actor(patient):
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    return Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)


def test_insurance_settles_its_part_and_the_cashier_takes_the_rest(
    self_paid_drug, phone_actor, clock
):
    settlement = outstanding.pay_on_phone(
        bill_id=self_paid_drug.pk, channel="ins_mobile", actor=phone_actor
    )
    assert settlement.status == SettlementStatus.PENDING
    assert settlement.fund_fen + settlement.account_fen > 0  # priced by the insurance app
    assert settlement.payment.amount_fen == settlement.cash_fen >= 5000
    assert settlement.payment.cashier_url.startswith("/sandbox/ybpay/cashier/")

    trade = ybpay.pay(settlement.payment.out_trade_no)
    answer = payments.receive_notice("ins_mobile", {}, ybpay.notification(trade))

    assert json.loads(answer.content) == {"code": 0, "message": "成功"}
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.SETTLED
    assert settlement.insurance_settlement_id  # 2207 ran through the seam
    assert outstanding.unpaid_bills([self_paid_drug.patient_id]) == []


def test_a_notice_with_a_bad_signature_moves_nothing(self_paid_drug, phone_actor, clock):
    settlement = outstanding.pay_on_phone(
        bill_id=self_paid_drug.pk, channel="ins_mobile", actor=phone_actor
    )
    trade = ybpay.pay(settlement.payment.out_trade_no)
    forged = json.loads(ybpay.notification(trade))
    forged["ownPayAmt"] = "0.01"

    answer = payments.receive_notice("ins_mobile", {}, json.dumps(forged).encode())

    assert answer.status_code == 400
    assert Payment.objects.get().status == "pending"


def test_a_refund_goes_back_through_the_platform_and_the_day_reconciles(
    self_paid_drug, cashier, clock
):
    settlement = settle(self_paid_drug, cashier, channel="ins_mobile", mode="mobile")
    trade = ybpay.pay(settlement.payment.out_trade_no)
    payments.receive_notice("ins_mobile", {}, ybpay.notification(trade))
    payments.refund(settlement_id=settlement.pk, amount_fen=1000, reason="退药", actor=cashier)

    rows = adapter_for("ins_mobile").read_statement(ybpay.statement(NOW.date()))
    assert [(r.kind, r.amount_fen) for r in rows] == [
        ("payment", settlement.payment.amount_fen),
        ("refund", 1000),
    ]


def test_the_to_pay_list_shows_each_unpaid_bill_and_pays_from_there(
    client, self_paid_drug, phone_actor, clock
):
    session = client.session
    session[SESSION_KEY] = phone_actor.account_id
    session.save()
    page = client.get(reverse("patient-payments")).content.decode()
    assert "MZ20261123001" in page
    assert "¥265.00" in page
    assert 'value="ins_mobile"' in page

    to_cashier = client.post(
        reverse("patient-payments"), {"bill": self_paid_drug.pk, "channel": "ins_mobile"}
    )
    assert to_cashier["Location"].startswith("/sandbox/ybpay/cashier/")
    cashier_page = client.get(to_cashier["Location"]).content.decode()
    assert 'class="facts insurance-split"' in cashier_page
    client.post(to_cashier["Location"], {"return_to": reverse("patient-payments")})
    after = client.get(reverse("patient-payments")).content.decode()
    assert 'id="nothing-to-pay"' in after
    assert "state-paid" in after


def test_another_accounts_bill_cannot_be_paid_from_my_list(client, bill, clock):
    account = MobileAccount.objects.create(phone="13900000002", created_at=NOW)  # no patients
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    answer = client.post(reverse("patient-payments"), {"bill": bill.pk, "channel": "wechat"})
    assert answer.status_code == 404
    assert not Payment.objects.exists()


def test_the_cashier_finds_a_patients_bills_by_name(client, bill, cashier, clock):
    client.force_login(cashier.user)
    page = client.get("/staff/billing/desk/", {"q": "张伟"}).content.decode()
    assert 'class="found-bills"' in page
    assert "?visit=MZ20261123001" in page
    assert "¥215.00" in page
