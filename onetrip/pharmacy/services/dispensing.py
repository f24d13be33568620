"""The smart pharmacy (R-RX-1): a paid prescription joins the dispensing queue at once, so the
drugs are picked before the patient arrives; the phone says which window and when it is ready;
the window calls the patient like the clinic's screen. Every move is a conditional UPDATE from
the state it leaves, so two pharmacists pressing the same button move it once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.pharmacy.models import DispenseOrder, DispenseStatus
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.services.common import institution_of

DISPENSE = "pharmacy.dispense"
VIEW = "pharmacy.view_dispenseorder"
# The pharmacy's windows; a prescription is given the next one in turn (D143).
WINDOWS = 3


class WrongState(DomainError):
    status = 409


def require_staff(actor: Actor, perm: str) -> None:
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Only staff can do this."))
    actor.require_perm(perm)


def _tell(order: DispenseOrder, template: str, params: dict[str, str] | None = None) -> None:
    notifications.notify(
        template,
        phone=order.patient.phone,
        subject=order,
        params={"path": reverse("pharmacy-patient-prescription", args=[order.prescription_id])}
        | (params or {}),
        occasion=template,
    )


def prescriptions_paid(source_keys: list[str], *, settlement_id: int, actor: Actor) -> None:
    """Billing's follow-up for settled prescription lines (registered at start-up), in the
    settling transaction: each prescription now wholly paid joins its pharmacy's queue."""
    for prescription in prescriptions.mark_paid(source_keys, actor=actor):
        order = DispenseOrder.objects.create(
            prescription=prescription,
            institution_id=prescription.institution_id,
            patient_id=prescription.patient_id,
            window=1 + prescription.pk % WINDOWS,
            status=DispenseStatus.QUEUED,
            queued_at=clock.now(),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            order,
            patient_id=order.patient_id,
            summary=f"prescription {prescription.reference} queued at window {order.window}",
        )


def _move(
    order_id: int, *, actor: Actor, leaving: tuple[str, ...], to: str, stamp: str
) -> DispenseOrder:
    require_staff(actor, DISPENSE)
    now = clock.now()
    moved = DispenseOrder.objects.filter(
        pk=order_id, institution_id=institution_of(actor), status__in=leaving
    ).update(status=to, **{stamp: now})
    order = (
        DispenseOrder.objects.select_related("patient", "prescription")
        .filter(pk=order_id, institution_id=institution_of(actor))
        .first()
    )
    if order is None:
        raise NotFound(_("No such prescription."))
    if not moved:
        raise WrongState(_("Someone has already done this."), code="wrong_state")
    return order


def _record(actor: Actor, order: DispenseOrder, *, summary: str) -> None:
    audit.record(actor, AuditAction.UPDATE, order, patient_id=order.patient_id, summary=summary)


@transaction.atomic
def mark_ready(order_id: int, *, actor: Actor) -> DispenseOrder:
    """Picked and checked: waiting at its window."""
    order = _move(
        order_id,
        actor=actor,
        leaving=(DispenseStatus.QUEUED,),
        to=DispenseStatus.READY,
        stamp="ready_at",
    )
    _record(actor, order, summary=f"prescription {order.prescription.reference} ready")
    _tell(order, "medicines_ready", {"window": str(order.window)})
    return order


@transaction.atomic
def call(order_id: int, *, actor: Actor) -> DispenseOrder:
    """Call the patient to the window (again, if they did not come)."""
    order = _move(
        order_id,
        actor=actor,
        leaving=(DispenseStatus.READY, DispenseStatus.CALLED),
        to=DispenseStatus.CALLED,
        stamp="called_at",
    )
    _record(actor, order, summary=f"prescription {order.prescription.reference} called")
    return order


@transaction.atomic
def hand_over(order_id: int, *, actor: Actor) -> DispenseOrder:
    order = _move(
        order_id,
        actor=actor,
        leaving=(DispenseStatus.READY, DispenseStatus.CALLED),
        to=DispenseStatus.COLLECTED,
        stamp="collected_at",
    )
    _record(actor, order, summary=f"prescription {order.prescription.reference} handed over")
    return order


@transaction.atomic
def arrive(prescription_id: int, *, actor: Actor) -> DispenseOrder:
    """The patient says on the phone they are at the pharmacy (for the ready-on-arrival share);
    the first arrival counts."""
    order = order_for_patient(prescription_id, actor=actor)
    if order is None:
        raise NotFound(_("No such prescription."))
    DispenseOrder.objects.filter(pk=order.pk, arrived_at__isnull=True).update(
        arrived_at=clock.now()
    )
    order.refresh_from_db()
    audit.record(
        actor,
        AuditAction.UPDATE,
        order,
        patient_id=order.patient_id,
        summary=f"prescription {order.prescription.reference} patient arrived",
    )
    return order


# --- reading ----------------------------------------------------------------------------------


def queue(*, actor: Actor) -> list[DispenseOrder]:
    require_staff(actor, VIEW)
    found = list(
        DispenseOrder.objects.filter(institution_id=institution_of(actor))
        .exclude(status=DispenseStatus.COLLECTED)
        .select_related("patient", "prescription")
        .order_by("queued_at", "pk")[:200]
    )
    with transaction.atomic():
        for order in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                order,
                patient_id=order.patient_id,
                summary=f"prescription {order.prescription.reference} listed",
            )
    return found


def lines_of(order: DispenseOrder):
    return order.prescription.lines.select_related("drug")


def calling(institution_id: int) -> QuerySet[DispenseOrder]:
    """What the window screen shows: the called patients, latest first (names masked there)."""
    return (
        DispenseOrder.objects.filter(institution_id=institution_id, status=DispenseStatus.CALLED)
        .select_related("patient")
        .order_by("-called_at")[:6]
    )


def order_for_patient(prescription_id: int, *, actor: Actor) -> DispenseOrder | None:
    patients = identity.accessible_patients(actor).values("pk")
    return (
        DispenseOrder.objects.filter(prescription_id=prescription_id, patient_id__in=patients)
        .select_related("prescription", "patient")
        .first()
    )
