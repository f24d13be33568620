"""Medical record copies online (病历复印, R-SVC-1): the patient (or a proxy holding the patient's
grant) applies on the phone and pays the fee on the visit's bill; the records office prepares the
copy once it is paid and sends it by the courier adapter or as a signed PDF; the courier's
tracking marks it delivered. Every step is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource
from onetrip.billing.services import sources as billing_sources
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.consortium.models import Institution
from onetrip.core import audit, clock, limits
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.courier import Address, courier
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.service.models import CopyDelivery, CopyPurpose, CopyStatus, RecordCopy
from onetrip.service.services.common import choice, institution_of, require_staff, text

VIEW = "service.view_recordcopy"
PREPARE = "service.prepare_record_copy"
# The price catalogue's line for one copy of a record (the fee is per copy, postage included).
FEE_ITEM = "SVC-MRCOPY"


class WrongState(DomainError):
    status = 409


@dataclass(frozen=True)
class CopyIn:
    patient_id: int
    institution_id: int
    visit_description: str
    purpose: str
    copies: int
    delivery: str
    recipient_name: str = ""
    recipient_phone: str = ""
    address: str = ""


def fee_key(copy: RecordCopy) -> str:
    return f"service:record-copy:{copy.pk}"


def patient_path(copy: RecordCopy) -> str:
    return reverse("service-patient-copy", args=[copy.pk])


def _tell(copy: RecordCopy, template: str) -> None:
    notifications.notify(
        template,
        phone=copy.patient.phone,
        subject=copy,
        params={"reference": copy.reference, "path": patient_path(copy)},
        occasion=template,
    )


@transaction.atomic
def apply(data: CopyIn, *, actor: Actor) -> RecordCopy:
    """The application from the phone, with the fee charged to the patient's bill."""
    if actor.kind != ActorKind.PATIENT or actor.account_id is None:
        raise InvalidInput.field("patient_id", _("Apply on the phone."))
    limits.spend("service_filing_per_account", str(actor.account_id))
    errors: list[FieldError] = []
    patient = identity.accessible_patients(actor).filter(pk=data.patient_id or 0).first()
    if patient is None:
        errors.append(FieldError("patient_id", _("Choose a patient."), "invalid_choice"))
    if not Institution.objects.filter(pk=data.institution_id or 0).exists():
        errors.append(FieldError("institution_id", _("Choose a hospital."), "invalid_choice"))
    visit = text(errors, "visit_description", data.visit_description, 200)
    choice(errors, "purpose", data.purpose, CopyPurpose)
    choice(errors, "delivery", data.delivery, CopyDelivery)
    if not isinstance(data.copies, int) or not 1 <= data.copies <= 5:
        errors.append(FieldError("copies", _("From 1 to 5 copies."), "out_of_range"))
    post = data.delivery == CopyDelivery.POST
    name = text(errors, "recipient_name", data.recipient_name, 50, required=post)
    phone = text(errors, "recipient_phone", data.recipient_phone, 20, required=post)
    address = text(errors, "address", data.address, 200, required=post)
    if phone and not (phone.isdigit() and len(phone) == 11):
        errors.append(FieldError("recipient_phone", _("Enter an 11-digit mobile number.")))
    if errors or patient is None:
        raise InvalidInput(*errors)
    now = clock.now()
    # The grant the account holds decides whether it applies for itself or as a proxy.
    grants = {card.patient.pk: card.grant for card in identity.family_of_account(actor.account_id)}
    by_proxy = grants[patient.pk].relationship != "self"
    copy = RecordCopy.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=data.institution_id,
        patient=patient,
        applicant_account_id=actor.account_id,
        by_proxy=by_proxy,
        visit_description=visit,
        purpose=data.purpose,
        copies=data.copies,
        delivery=data.delivery,
        recipient_name=name if post else "",
        recipient_phone=phone if post else "",
        address=address if post else "",
        fee_fen=0,
        status=CopyStatus.APPLIED,
        applied_at=now,
    )
    copy.reference = f"BA{now:%y%m%d}{copy.pk:05d}"
    try:
        charge = create_charge(
            ChargeRequest(
                patient_id=patient.pk,
                institution_id=data.institution_id,
                visit_reference=copy.reference,
                item_code=FEE_ITEM,
                quantity=data.copies,
                source=ChargeSource.SERVICE_CENTRE,
                source_key=fee_key(copy),
            ),
            actor=actor,
        )
    except InvalidInput as exc:
        if exc.errors[0].field != "item_code":
            raise
        raise WrongState(
            _("Record copies cannot be paid online here; ask at the service centre."),
            code="fee_not_priced",
        ) from exc
    copy.fee_fen = charge.amount_fen
    copy.save(update_fields=["reference", "fee_fen"])
    audit.record(
        actor,
        AuditAction.CREATE,
        copy,
        patient_id=patient.pk,
        summary=f"record copy {copy.reference} applied for ({copy.delivery}, {copy.copies})",
    )
    _tell(copy, "record_copy_applied")
    return copy


def is_paid(copy: RecordCopy) -> bool:
    state = billing_sources.charge_state(fee_key(copy))
    return state is not None and state.paid


def fee_bill(copy: RecordCopy):
    state = billing_sources.charge_state(fee_key(copy))
    return state.bill if state is not None and not state.paid else None


@transaction.atomic
def prepare(copy_id: int, *, pages: int, actor: Actor) -> RecordCopy:
    """The records office has copied and stamped the record: posted with a waybill, or the
    signed PDF released on the phone."""
    require_staff(actor, PREPARE)
    copy = (
        RecordCopy.objects.select_for_update()
        .select_related("patient", "institution")
        .filter(pk=copy_id, institution_id=institution_of(actor))
        .first()
    )
    if copy is None:
        raise NotFound(_("No such application."))
    if not isinstance(pages, int) or not 1 <= pages <= 999:
        raise InvalidInput.field("pages", _("Give the number of pages."))
    if copy.status != CopyStatus.APPLIED:
        raise WrongState(_("This copy is already sent."), code="wrong_state")
    if not is_paid(copy):
        raise WrongState(_("The fee is not paid yet."), code="unpaid")
    now = clock.now()
    copy.pages = pages
    copy.prepared_at = now
    if copy.delivery == CopyDelivery.POST:
        waybill = courier().create_waybill(
            sender=Address(copy.institution.name, "", copy.institution.name),
            recipient=Address(copy.recipient_name, copy.recipient_phone, copy.address),
            reference=copy.reference,
        )
        copy.waybill = waybill.number
        copy.status = CopyStatus.SHIPPED
        template = "record_copy_posted"
    else:
        copy.status = CopyStatus.DELIVERED
        copy.delivered_at = now
        template = "record_copy_ready"
    copy.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        copy,
        patient_id=copy.patient_id,
        summary=f"record copy {copy.reference} prepared ({pages} pages), {copy.status}",
        changes={"waybill": copy.waybill},
    )
    _tell(copy, template)
    return copy


def track_deliveries(*, actor: Actor = SYSTEM) -> int:
    """The sweep (manage.py track_record_copies): ask the courier about every posted copy."""
    done = 0
    for pk, number in RecordCopy.objects.filter(status=CopyStatus.SHIPPED).values_list(
        "pk", "waybill"
    ):
        events = courier().track(number)
        delivered = next((e for e in events if e.status == "delivered"), None)
        if delivered is None:
            continue
        with transaction.atomic():
            moved = RecordCopy.objects.filter(pk=pk, status=CopyStatus.SHIPPED).update(
                status=CopyStatus.DELIVERED, delivered_at=delivered.at
            )
            if not moved:
                continue
            copy = RecordCopy.objects.select_related("patient").get(pk=pk)
            audit.record(
                actor,
                AuditAction.UPDATE,
                copy,
                patient_id=copy.patient_id,
                summary=f"record copy {copy.reference} delivered (waybill {number})",
            )
            _tell(copy, "record_copy_delivered")
            done += 1
    return done


# --- reading ----------------------------------------------------------------------------------


def office_list(*, actor: Actor) -> list[RecordCopy]:
    require_staff(actor, VIEW)
    found = list(
        RecordCopy.objects.filter(institution_id=institution_of(actor))
        .select_related("patient")
        .order_by("status", "applied_at")[:200]
    )
    with transaction.atomic():
        for copy in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                copy,
                patient_id=copy.patient_id,
                summary=f"record copy {copy.reference} listed",
            )
    return found


def copy_for_staff(copy_id: int, *, actor: Actor) -> RecordCopy:
    require_staff(actor, VIEW)
    copy = (
        RecordCopy.objects.filter(pk=copy_id, institution_id=institution_of(actor))
        .select_related("patient", "institution")
        .first()
    )
    if copy is None:
        raise NotFound(_("No such application."))
    audit.record_staff_read(
        actor, copy, patient_id=copy.patient_id, summary=f"record copy {copy.reference} read"
    )
    return copy


def patient_copies(actor: Actor) -> QuerySet[RecordCopy]:
    patients = identity.accessible_patients(actor).values("pk")
    return (
        RecordCopy.objects.filter(patient_id__in=patients)
        .select_related("patient", "institution")
        .order_by("-applied_at")
    )


def copy_for_patient(copy_id: int, *, actor: Actor) -> RecordCopy:
    copy = patient_copies(actor).filter(pk=copy_id).first()
    if copy is None:
        raise NotFound(_("No such application."))
    return copy


@transaction.atomic
def download_pdf(copy_id: int, *, actor: Actor) -> RecordCopy:
    """The signed PDF, for the patient once released; each download audited."""
    copy = copy_for_patient(copy_id, actor=actor)
    if copy.delivery != CopyDelivery.PDF or copy.status != CopyStatus.DELIVERED:
        raise NotFound(_("No such application."))
    audit.record(
        actor,
        AuditAction.VIEW,
        copy,
        patient_id=copy.patient_id,
        summary=f"record copy {copy.reference} PDF downloaded",
    )
    return copy
