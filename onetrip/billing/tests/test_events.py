"""The domain events billing emits (R-KPI-1, R-KPI-2), through the real services: a settlement
with its mode, channel, amounts and consulting room, on site unless paid remotely; a refund."""

import pytest

from onetrip.billing.models import Refund
from onetrip.billing.services import payments
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.consortium.models import Clinic, Department
from onetrip.core.models import DomainEvent

pytestmark = pytest.mark.django_db


def settled_events():
    return list(DomainEvent.objects.filter(kind="payment.settled"))


def test_an_in_clinic_settlement_names_its_room_and_amounts(bill, cashier, tertiary):
    medicine = Department.objects.create(institution=tertiary, code="IM", name="内科")
    room = Clinic.objects.create(
        department=medicine, name="内科诊室", kind="general", location="门诊楼2层3诊室"
    )
    settlement = settle(bill, cashier, channel="cash", mode="in_clinic", clinic_id=room.pk)
    [event] = settled_events()
    assert (event.patient_id, event.institution_id, event.on_site, event.channel) == (
        bill.patient_id,
        tertiary.pk,
        True,
        "in_clinic",
    )
    assert event.data == {
        "settlement_id": settlement.pk,
        "bill_id": bill.pk,
        "mode": "in_clinic",
        "payment_channel": "cash",
        "total_fen": 21500,
        "insurance_fen": 0,
        "cash_fen": 21500,
        "consulting_room": "门诊楼2层3诊室",
        "clinic_id": room.pk,  # the room itself, which in-clinic coverage counts (D91)
        "fees": True,
    }


def test_a_phone_payment_is_settled_when_the_provider_confirms_and_is_not_a_trip(bill, cashier):
    settlement = settle(bill, cashier, channel="wechat", mode="mobile")
    assert settled_events() == []  # waiting for the provider's notice
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    [event] = settled_events()
    assert (event.on_site, event.data["payment_channel"], event.data["consulting_room"]) == (
        False,
        "wechat",
        "",
    )


def test_a_kiosk_payment_is_on_site(bill, cashier):
    settle(bill, cashier, channel="bank_card", mode="kiosk", reference="POS1")
    [event] = settled_events()
    assert event.on_site


def test_a_refund_names_its_settlement_and_amount(bill, cashier):
    settlement = settle(bill, cashier, channel="cash", mode="window")
    payments.refund(settlement_id=settlement.pk, amount_fen=5000, reason="CT取消", actor=cashier)
    [event] = DomainEvent.objects.filter(kind="payment.refunded")
    assert event.data == {
        "settlement_id": settlement.pk,
        "refund_id": Refund.objects.get().pk,
        "amount_fen": 5000,
    }
    assert not event.on_site
