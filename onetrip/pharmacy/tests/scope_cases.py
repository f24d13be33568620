"""The pharmacy's registrations for the generated scoping and audit test: a dispensing order and
its delivery belong to the pharmacy's institution and to the prescription's patient."""

from __future__ import annotations

from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.notifications.models import Notification
from onetrip.pharmacy.models import DispenseOrder
from onetrip.pharmacy.services import delivery as deliveries
from onetrip.pharmacy.services import dispensing
from onetrip.prescribing.services.prescriptions import LineIn
from onetrip.prescribing.tests.conftest import pay_on_phone
from onetrip.prescribing.tests.scope_cases import PHARMACIST, approved

ADDRESS = {
    "recipient_name": "张伟",
    "recipient_phone": "13812345678",
    "address": "浙江省杭州市西湖区文三路100号",
}


def paid(world: World, line: LineIn | None = None) -> DispenseOrder:
    prescription = approved(world, line)
    pay_on_phone(prescription, world.patient_actor)
    return DispenseOrder.objects.get(prescription=prescription)


def ready(world: World) -> DispenseOrder:
    order = paid(world)
    dispensing.mark_ready(order.pk, actor=world.actor(PHARMACIST))
    return order


def an_order(world: World) -> Target:
    return Target({"order_id": paid(world).pk}, world.patient.pk)


def a_ready_order(world: World) -> Target:
    return Target({"order_id": ready(world).pk}, world.patient.pk)


def a_delivery(
    world: World, dispatched: bool = False, herbal: bool = False, body: dict | None = None
) -> Target:
    order = paid(world, LineIn("HB-XYS", "1", 2, "decoction", 1) if herbal else None)
    delivery = deliveries.request_delivery(
        order.prescription_id, actor=world.patient_actor, **ADDRESS
    )
    if dispatched:
        deliveries.dispatch(delivery.pk, actor=world.actor(PHARMACIST))
        # The courier gives the code the patient was texted.
        body = {
            "code": Notification.objects.filter(template="delivery_dispatched")
            .latest("pk")
            .params["code"]
        }
    return Target({"delivery_id": delivery.pk}, world.patient.pk, body=body)


def an_approved_prescription(world: World) -> Target:
    return Target({"prescription_id": approved(world).pk}, world.patient.pk)


def a_paid_prescription(world: World, body: dict | None = None) -> Target:
    return Target({"prescription_id": paid(world).prescription_id}, world.patient.pk, body=body)


CASES = {
    "staff/pharmacy/orders/<id:order_id>/ready": Staff(an_order, PHARMACIST, method="POST"),
    "staff/pharmacy/orders/<id:order_id>/call": Staff(a_ready_order, PHARMACIST, method="POST"),
    "staff/pharmacy/orders/<id:order_id>/hand-over": Staff(
        a_ready_order, PHARMACIST, method="POST"
    ),
    "staff/pharmacy/deliveries/<id:delivery_id>/decoct": Staff(
        lambda w: a_delivery(w, herbal=True), PHARMACIST, method="POST"
    ),
    "staff/pharmacy/deliveries/<id:delivery_id>/dispatch": Staff(
        a_delivery, PHARMACIST, method="POST"
    ),
    "staff/pharmacy/deliveries/<id:delivery_id>/confirm": Staff(
        lambda w: a_delivery(w, dispatched=True),
        PHARMACIST,
        method="POST",
    ),
    "p/medicines/<id:prescription_id>": OwnPatient(an_approved_prescription),
    "p/medicines/<id:prescription_id>/arrived": OwnPatient(a_paid_prescription, method="POST"),
    "p/medicines/<id:prescription_id>/delivery": OwnPatient(
        lambda w: a_paid_prescription(w, body=ADDRESS), method="POST"
    ),
}
