"""Dispensing and delivery under concurrency on PostgreSQL: two pharmacists pressing "picked"
at once move the order once and tell the patient once; two proofs of delivery deliver once; a
delivery request racing the hand-over at the window gets one of them, never both."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.core.models import AuditEvent
from onetrip.notifications.models import Notification
from onetrip.pharmacy.models import Delivery, DispenseStatus
from onetrip.pharmacy.services import delivery as deliveries
from onetrip.pharmacy.services import dispensing

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_pharmacists_mark_it_ready_once(postgres_only, rx, order):
    outcomes = race([lambda: dispensing.mark_ready(order.pk, actor=rx.pharmacist).pk] * 3)
    assert sorted(outcomes, key=str) == sorted([order.pk, "wrong_state", "wrong_state"], key=str)
    assert Notification.objects.filter(template="medicines_ready").count() == 1
    assert AuditEvent.objects.filter(summary__endswith=" ready").count() == 1


def test_delivery_request_racing_the_hand_over(postgres_only, rx, order):
    dispensing.mark_ready(order.pk, actor=rx.pharmacist)
    outcomes = race(
        [
            lambda: dispensing.hand_over(order.pk, actor=rx.pharmacist).status,
            lambda: (
                deliveries.request_delivery(
                    order.prescription_id,
                    recipient_name="张伟",
                    recipient_phone="13812345678",
                    address="浙江省杭州市西湖区文三路100号",
                    actor=rx.patient_actor,
                ).status
            ),
        ]
    )
    assert outcomes.count("wrong_state") == 1, outcomes
    order.refresh_from_db()
    assert (order.status == DispenseStatus.HOME) == Delivery.objects.exists()


def test_two_proofs_of_delivery_deliver_once(postgres_only, rx, order):
    delivery = deliveries.request_delivery(
        order.prescription_id,
        recipient_name="张伟",
        recipient_phone="13812345678",
        address="浙江省杭州市西湖区文三路100号",
        actor=rx.patient_actor,
    )
    deliveries.dispatch(delivery.pk, actor=rx.pharmacist)
    code = Notification.objects.get(template="delivery_dispatched").params["code"]
    outcomes = race(
        [lambda: deliveries.confirm_delivery(delivery.pk, code=code, actor=rx.pharmacist).pk] * 2
    )
    assert sorted(outcomes, key=str) == sorted([delivery.pk, "wrong_state"], key=str)
    assert Notification.objects.filter(template="delivery_delivered").count() == 1
