"""Home delivery of medicines and decocted herbs (R-RX-2, 代煎配送): the patient asks on the phone
with an address that is checked; herbs are decocted first (the patient is told); the parcel goes
to the courier adapter and the patient gets a code by SMS that the courier takes at the door, so
a delivery is proven to have reached the right person."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.courier import Address, courier
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.pharmacy.models import Delivery, DeliveryStatus, DispenseOrder, DispenseStatus
from onetrip.pharmacy.services.dispensing import (
    DISPENSE,
    WrongState,
    _tell,
    order_for_patient,
    require_staff,
)
from onetrip.prescribing.services.common import institution_of

# A delivery is on time when it reaches the patient within two days of the request (D144).
DELIVERY_PROMISE = dt.timedelta(hours=48)
# An address the courier can find: a county, district or township and a house number.
_PLACE = re.compile(r"(省|市|区|县|镇|乡|街道).*\d")


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def verify_address(name: str, phone: str, address: str) -> tuple[str, str, str]:
    errors = []
    name, phone, address = (name or "").strip(), (phone or "").strip(), (address or "").strip()
    if not name or len(name) > 50:
        errors.append(FieldError("recipient_name", _("Give the recipient's name."), "required"))
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        errors.append(FieldError("recipient_phone", _("Enter an 11-digit mobile number.")))
    if len(address) > 200 or not _PLACE.search(address):
        errors.append(
            FieldError(
                "address",
                _("Give the full address: district or township, street and house number."),
                "unverified",
            )
        )
    if errors:
        raise InvalidInput(*errors)
    return name, phone, address


@transaction.atomic
def request_delivery(
    prescription_id: int, *, recipient_name: str, recipient_phone: str, address: str, actor: Actor
) -> Delivery:
    """The patient asks for home delivery of a paid prescription not yet handed over."""
    if actor.kind != ActorKind.PATIENT:
        raise InvalidInput.field("address", _("Ask on the phone."))
    found = order_for_patient(prescription_id, actor=actor)
    if found is None:
        raise NotFound(_("No such prescription."))
    name, phone, address = verify_address(recipient_name, recipient_phone, address)
    order = DispenseOrder.objects.select_for_update().get(pk=found.pk)
    if order.status not in (DispenseStatus.QUEUED, DispenseStatus.READY, DispenseStatus.CALLED):
        raise WrongState(_("These medicines cannot be delivered now."), code="wrong_state")
    now = clock.now()
    herbal = order.prescription.lines.filter(drug__herbal=True).exists()
    order.status = DispenseStatus.HOME
    order.save(update_fields=["status"])
    delivery = Delivery.objects.create(
        order=order,
        recipient_name=name,
        recipient_phone=phone,
        address=address,
        decoction=herbal,
        status=DeliveryStatus.PREPARING,
        requested_at=now,
        due_at=now + DELIVERY_PROMISE,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        delivery,
        patient_id=order.patient_id,
        summary=f"delivery {delivery.pk} requested (decoction: {herbal})",
    )
    return delivery


def _locked(delivery_id: int, actor: Actor) -> Delivery:
    require_staff(actor, DISPENSE)
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("order__patient", "order__prescription", "order__institution")
        .filter(pk=delivery_id, order__institution_id=institution_of(actor))
        .first()
    )
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery


def _record(actor: Actor, delivery: Delivery, *, summary: str) -> None:
    audit.record(
        actor, AuditAction.UPDATE, delivery, patient_id=delivery.order.patient_id, summary=summary
    )


@transaction.atomic
def start_decoction(delivery_id: int, *, actor: Actor) -> Delivery:
    delivery = _locked(delivery_id, actor)
    if not delivery.decoction or delivery.status != DeliveryStatus.PREPARING:
        raise WrongState(_("Nothing to decoct now."), code="wrong_state")
    delivery.status = DeliveryStatus.DECOCTING
    delivery.save(update_fields=["status"])
    _record(actor, delivery, summary=f"delivery {delivery.pk} decocting")
    _tell(delivery.order, "delivery_decocting")
    return delivery


@transaction.atomic
def dispatch(delivery_id: int, *, actor: Actor) -> Delivery:
    """Hand the parcel to the courier; the patient gets the code for the door."""
    delivery = _locked(delivery_id, actor)
    ready = DeliveryStatus.DECOCTING if delivery.decoction else DeliveryStatus.PREPARING
    if delivery.status != ready:
        raise WrongState(_("Decoct it first, or it has gone already."), code="wrong_state")
    now = clock.now()
    waybill = courier().create_waybill(
        sender=Address(delivery.order.institution.name, "", delivery.order.institution.name),
        recipient=Address(delivery.recipient_name, delivery.recipient_phone, delivery.address),
        reference=delivery.order.prescription.reference,
    )
    code = f"{secrets.randbelow(10**6):06d}"
    delivery.status = DeliveryStatus.DISPATCHED
    delivery.waybill = waybill.number
    delivery.dispatched_at = now
    delivery.decocted_at = now if delivery.decoction else None
    delivery.proof_digest = _digest(code)
    delivery.save()
    _record(
        actor, delivery, summary=f"delivery {delivery.pk} dispatched (waybill {waybill.number})"
    )
    _tell(delivery.order, "delivery_dispatched", {"code": code, "waybill": waybill.number})
    return delivery


@transaction.atomic
def confirm_delivery(delivery_id: int, *, code: str, actor: Actor) -> Delivery:
    """The courier's proof of delivery: the code the patient received. A wrong code is refused
    (the parcel stays on its way); the right one delivers it once."""
    delivery = _locked(delivery_id, actor)
    if delivery.status != DeliveryStatus.DISPATCHED:
        raise WrongState(_("This parcel is not on its way."), code="wrong_state")
    if not secrets.compare_digest(_digest((code or "").strip()), delivery.proof_digest):
        raise InvalidInput.field("code", _("That is not the patient's code."), "wrong_code")
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = clock.now()
    delivery.save(update_fields=["status", "delivered_at"])
    _record(actor, delivery, summary=f"delivery {delivery.pk} delivered")
    _tell(delivery.order, "delivery_delivered")
    return delivery


def tracking(delivery: Delivery):
    return courier().track(delivery.waybill) if delivery.waybill else []
