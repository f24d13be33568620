"""Home delivery (R-RX-2): the address is checked, herbs are decocted first, the courier takes
the parcel and the patient's code proves the delivery; each step tells the patient."""

from __future__ import annotations

import pytest

from onetrip.core.errors import InvalidInput
from onetrip.notifications.models import Notification
from onetrip.pharmacy.models import DeliveryStatus, DispenseStatus
from onetrip.pharmacy.services import delivery as deliveries
from onetrip.pharmacy.services.dispensing import WrongState
from onetrip.pharmacy.tests.conftest import paid
from onetrip.prescribing.services.prescriptions import LineIn

pytestmark = pytest.mark.django_db

ADDRESS = "浙江省杭州市西湖区文三路100号"


def ask(world, order, address=ADDRESS):
    return deliveries.request_delivery(
        order.prescription_id,
        recipient_name="张伟",
        recipient_phone="13812345678",
        address=address,
        actor=world.patient_actor,
    )


def code_texted() -> str:
    return Notification.objects.get(template="delivery_dispatched").params["code"]


def test_an_unfindable_address_is_refused(rx, order):
    with pytest.raises(InvalidInput) as refused:
        ask(rx, order, address="我家")
    assert refused.value.errors[0].field == "address"
    order.refresh_from_db()
    assert order.status == DispenseStatus.QUEUED


def test_herbs_are_decocted_then_delivered_against_the_patient_code(rx):
    order = paid(rx, LineIn("HB-XYS", "1", 2, "decoction", 1))
    delivery = ask(rx, order)
    assert delivery.decoction
    with pytest.raises(WrongState):
        deliveries.dispatch(delivery.pk, actor=rx.pharmacist)  # not decocted yet
    deliveries.start_decoction(delivery.pk, actor=rx.pharmacist)
    deliveries.dispatch(delivery.pk, actor=rx.pharmacist)
    code = code_texted()
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(InvalidInput):
        deliveries.confirm_delivery(delivery.pk, code=wrong, actor=rx.pharmacist)
    deliveries.confirm_delivery(delivery.pk, code=code, actor=rx.pharmacist)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.waybill.startswith("SB")
    notices = set(Notification.objects.values_list("template", flat=True))
    assert {"delivery_decocting", "delivery_dispatched", "delivery_delivered"} <= notices


def test_tablets_go_straight_to_the_courier_and_a_collected_order_cannot(rx, order):
    delivery = ask(rx, order)
    assert not delivery.decoction
    with pytest.raises(WrongState):
        deliveries.start_decoction(delivery.pk, actor=rx.pharmacist)
    deliveries.dispatch(delivery.pk, actor=rx.pharmacist)
    with pytest.raises(WrongState):
        ask(rx, order)
