"""Home care (R-PH-5): a doctor orders home nursing or a home sickbed; the community nursing
station schedules visits for its nurses; the nurse records the visit's notes and vital signs,
and the visit is charged to the patient's bill (HOME_CARE source, one line per visit)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.consortium.models import StaffProfile
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.publichealth.models import HomeCareKind, HomeCareOrder, HomeVisit
from onetrip.publichealth.services.common import WrongState, require_staff, staff_site

ORDER = "publichealth.order_home_care"
VISIT = "publichealth.visit_homes"
# The price catalogue's line for one home nursing visit (上门护理服务费).
VISIT_ITEM = "HC-VISIT"


def charge_key(visit: HomeVisit) -> str:
    return f"publichealth:home-visit:{visit.pk}"


@transaction.atomic
def order_home_care(
    *, patient_id: int, kind: str, reason: str, address: str, actor: Actor
) -> HomeCareOrder:
    require_staff(actor, ORDER)
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    errors: list[FieldError] = []
    if patient is None:
        errors.append(FieldError("patient_id", _("Choose a patient."), "invalid_choice"))
    if kind not in HomeCareKind.values:
        errors.append(FieldError("kind", _("Choose the kind."), "invalid_choice"))
    reason, address = (reason or "").strip(), (address or "").strip()
    if not reason or len(reason) > 200:
        errors.append(FieldError("reason", _("Give the reason."), "required"))
    if not address or len(address) > 200:
        errors.append(FieldError("address", _("Give the address."), "required"))
    if errors:
        raise InvalidInput(*errors)
    assert patient is not None
    order = HomeCareOrder.objects.create(
        institution_id=staff_site(actor),
        patient=patient,
        kind=kind,
        reason=reason,
        address=address,
        ordered_by=actor.label,
        ordered_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        order,
        patient_id=patient.pk,
        summary=f"home care ordered ({kind})",
    )
    return order


@transaction.atomic
def schedule_visit(
    order_id: int, *, nurse_username: str, at: dt.datetime, actor: Actor
) -> HomeVisit:
    require_staff(actor, VISIT)
    site = staff_site(actor)
    order = HomeCareOrder.objects.filter(pk=order_id, institution_id=site).first()
    if order is None:
        raise NotFound(_("No such order."))
    nurse = StaffProfile.objects.filter(user__username=nurse_username, institution_id=site).first()
    if nurse is None or not nurse.user.has_perm(VISIT):
        raise InvalidInput.field("nurse_username", _("Choose a nurse of this station."))
    if at is None or at <= clock.now():
        raise InvalidInput.field("at", _("Choose a time to come."), "past")
    visit = HomeVisit.objects.create(order=order, nurse=nurse.user, scheduled_for=at)
    audit.record(
        actor,
        AuditAction.CREATE,
        visit,
        patient_id=order.patient_id,
        summary="home visit scheduled",
    )
    return visit


@transaction.atomic
def record_visit(
    visit_id: int,
    *,
    notes: str,
    systolic: int | None,
    diastolic: int | None,
    pulse: int | None,
    temperature_tenths: int | None,
    actor: Actor,
) -> HomeVisit:
    """The nurse's visit notes and vital signs; the visit is charged once (its own key)."""
    require_staff(actor, VISIT)
    visit = (
        HomeVisit.objects.select_for_update()
        .select_related("order")
        .filter(pk=visit_id, order__institution_id=staff_site(actor))
        .first()
    )
    if visit is None:
        raise NotFound(_("No such visit."))
    if visit.done_at is not None:
        raise WrongState(_("This visit is already recorded."), code="already_done")
    notes = (notes or "").strip()
    errors: list[FieldError] = []
    if not notes or len(notes) > 1000:
        errors.append(FieldError("notes", _("Write what was done."), "required"))
    for name, value, low, high in (
        ("systolic", systolic, 50, 260),
        ("diastolic", diastolic, 30, 160),
        ("pulse", pulse, 20, 220),
        ("temperature_tenths", temperature_tenths, 330, 430),
    ):
        if value is not None and not low <= value <= high:
            errors.append(FieldError(name, _("Out of range."), "out_of_range"))
    if errors:
        raise InvalidInput(*errors)
    visit.done_at = clock.now()
    visit.notes = notes
    visit.systolic, visit.diastolic = systolic, diastolic
    visit.pulse, visit.temperature_tenths = pulse, temperature_tenths
    visit.save()
    create_charge(
        ChargeRequest(
            patient_id=visit.order.patient_id,
            institution_id=visit.order.institution_id,
            visit_reference=f"HC{visit.order_id:08d}",
            item_code=VISIT_ITEM,
            quantity=1,
            source=ChargeSource.HOME_CARE,
            source_key=charge_key(visit),
        ),
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        visit,
        patient_id=visit.order.patient_id,
        summary="home visit recorded",
    )
    return visit


def nurse_worklist(*, actor: Actor) -> list[HomeVisit]:
    require_staff(actor, VISIT)
    found = list(
        HomeVisit.objects.filter(order__institution_id=staff_site(actor), done_at__isnull=True)
        .select_related("order__patient", "nurse")
        .order_by("scheduled_for", "pk")[:200]
    )
    with transaction.atomic():
        for visit in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                visit,
                patient_id=visit.order.patient_id,
                summary="home visits listed",
            )
    return found


def open_orders(*, actor: Actor) -> list[HomeCareOrder]:
    require_staff(actor, VISIT)
    return list(
        HomeCareOrder.objects.filter(institution_id=staff_site(actor))
        .select_related("patient")
        .order_by("-ordered_at")[:100]
    )


def visit_for_staff(visit_id: int, *, actor: Actor) -> HomeVisit:
    require_staff(actor, VISIT)
    visit = (
        HomeVisit.objects.filter(pk=visit_id, order__institution_id=staff_site(actor))
        .select_related("order__patient", "nurse")
        .first()
    )
    if visit is None:
        raise NotFound(_("No such visit."))
    audit.record_staff_read(
        actor, visit, patient_id=visit.order.patient_id, summary="home visit read"
    )
    return visit


def orders_of(actor: Actor) -> list[HomeCareOrder]:
    """The phone's view: the home care orders of everyone the account holds, with their visits
    (prefetched, upcoming and done) for the page to split."""
    patients = identity.accessible_patients(actor).values("pk")
    return list(
        HomeCareOrder.objects.filter(patient_id__in=patients)
        .select_related("patient", "institution")
        .prefetch_related("visits")
        .order_by("-ordered_at")[:20]
    )
