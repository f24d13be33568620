"""Whose bills an actor may reach (issue 12 item 1): the one rule every billing service and read
applies before it touches a bill, a settlement or a deposit.

Staff and an institution's external system reach their own institution's bills; a patient's
mobile account the bills of the patients it holds a live grant for; the bearer of a signed bill
link that one bill; the system everything. Anything else is "no such bill" (404), the same answer
as for a bill that does not exist, so ids cannot be probed across institutions.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import Bill
from onetrip.core import audit
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity


def bills_in_scope(actor: Actor) -> QuerySet[Bill]:
    if actor.kind in (ActorKind.STAFF, ActorKind.CLIENT):
        return Bill.objects.filter(institution_id=actor.institution_id)
    if actor.kind == ActorKind.PATIENT:
        if actor.account_id is not None:
            return Bill.objects.filter(
                patient_id__in=identity.accessible_patients(actor).values("pk")
            )
        return Bill.objects.filter(pk=actor.bill_id) if actor.bill_id else Bill.objects.none()
    if actor.kind == ActorKind.SYSTEM:
        return Bill.objects.all()
    return Bill.objects.none()


def no_such_bill() -> NotFound:
    return NotFound(_("No such bill."), code="unknown_bill")


def bill_in_scope(bill_id: int, actor: Actor) -> Bill:
    bill = bills_in_scope(actor).select_related("patient").filter(pk=bill_id).first()
    if bill is None:
        raise no_such_bill()
    return bill


def check_charge_scope(*, patient_id: int, institution_id: int, actor: Actor) -> None:
    """A charge goes only to the caller's own institution (staff, external systems) and only to
    a patient the caller may reach (identity's rule); a patient's account charges its own
    patients at any institution (a phone booking's registration fee)."""
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.kind in (ActorKind.STAFF, ActorKind.CLIENT) and institution_id != actor.institution_id:
        raise NotFound(_("No such institution."), code="unknown_institution")
    if not identity.accessible_patients(actor).filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."), code="unknown_patient")


@transaction.atomic
def view_bill(bill_id: int, *, actor: Actor) -> Bill:
    """One bill for display: scoped like every change, and a staff read leaves an audit row
    (a bill names the patient and what they were treated for)."""
    bill = bill_in_scope(bill_id, actor)
    if actor.is_staff:
        audit.record(
            actor,
            AuditAction.VIEW,
            bill,
            patient_id=bill.patient_id,
            summary=f"bill {bill.visit_reference}",
        )
    return bill
