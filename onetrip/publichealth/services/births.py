"""Birth as one errand (出生一件事, R-PH-3, D170/D171): the parents apply once on the phone after a
birth at a consortium hospital. In one transaction the newborn gets a patient record under the
mother's document (identity's guardian rule; the patient index files it as a newborn), linked to
the mother and held by the applying account as the child's parent, and the birth medical
certificate (出生医学证明) is issued. After commit the household-registration and newborn-insurance
applications go to their agencies through `agencies.py`; `track_births` asks the agencies until
both are done. The three outcomes are read together on one page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.identity.models import IdentityDocument, PatientAffiliation, Relationship
from onetrip.notifications import services as notifications
from onetrip.publichealth.agencies import household_registry, insurance_platform
from onetrip.publichealth.models import AgencyStatus, BirthApplication
from onetrip.publichealth.services.common import require_staff, staff_site

VIEW = "publichealth.view_births"
# Parents apply within the first weeks; a birth certificate for an older child is a counter job.
APPLY_WITHIN = dt.timedelta(days=60)


@dataclass(frozen=True)
class BirthIn:
    mother_id: int
    institution_id: int
    child_name: str
    child_sex: str
    born_at: dt.datetime
    weight_grams: int
    father_name: str


def patient_path(application: BirthApplication) -> str:
    return reverse("publichealth-patient-birth", args=[application.pk])


def apply_for_birth(data: BirthIn, *, actor: Actor) -> BirthApplication:
    application = _register_birth(data, actor)
    send_to_agencies(application.pk)
    return BirthApplication.objects.get(pk=application.pk)


@transaction.atomic
def _register_birth(data: BirthIn, actor: Actor) -> BirthApplication:
    if actor.kind != ActorKind.PATIENT:
        raise InvalidInput.field("mother_id", _("The parents apply on the phone."))
    errors: list[FieldError] = []
    mother = identity.accessible_patients(actor).filter(pk=data.mother_id or 0).first()
    if mother is None:
        errors.append(FieldError("mother_id", _("Choose the mother."), "invalid_choice"))
    elif mother.sex != "female":
        errors.append(FieldError("mother_id", _("Choose the mother."), "not_mother"))
    institution = Institution.objects.filter(pk=data.institution_id or 0).first()
    if institution is None:
        errors.append(FieldError("institution_id", _("Choose the hospital."), "invalid_choice"))
    elif (
        mother is not None
        and not PatientAffiliation.objects.filter(patient=mother, institution=institution).exists()
    ):
        errors.append(
            FieldError(
                "institution_id",
                _("The mother has no record at this hospital."),
                "not_delivered_here",
            )
        )
    now = clock.now()
    if data.born_at is None or not now - APPLY_WITHIN <= data.born_at <= now:
        errors.append(
            FieldError("born_at", _("Apply within 60 days of the birth."), "out_of_range")
        )
    if not isinstance(data.weight_grams, int) or not 300 <= data.weight_grams <= 7000:
        errors.append(FieldError("weight_grams", _("Give the weight in grams.")))
    father = (data.father_name or "").strip()
    if not father or len(father) > 60:
        errors.append(FieldError("father_name", _("Give the father's name."), "required"))
    document = (
        IdentityDocument.objects.filter(
            patient=mother, is_guardian_document=False, doc_type="resident_id"
        ).first()
        if mother is not None
        else None
    )
    if mother is not None and document is None:
        errors.append(
            FieldError("mother_id", _("The mother's resident ID is not on file."), "no_id")
        )
    if errors:
        raise InvalidInput(*errors)
    assert mother is not None
    assert document is not None
    assert institution is not None
    newborn = identity.register_patient(
        identity.PatientRegistration(
            name=data.child_name,
            sex=data.child_sex,
            birth_date=data.born_at.astimezone(clock.now().tzinfo).date(),
            phone=mother.phone,
            guardian=identity.GuardianInput("resident_id", document.number, Relationship.PARENT),
            relationship=Relationship.PARENT,
        ),
        actor=actor,
    )
    application = BirthApplication.objects.create(
        reference=f"new-{newborn.pk}",
        institution=institution,
        mother=mother,
        newborn=newborn,
        applicant_account_id=actor.account_id or 0,
        father_name=father,
        born_at=data.born_at,
        weight_grams=data.weight_grams,
        applied_at=now,
        certificate_number="",
        household_status=AgencyStatus.SUBMITTED,
        insurance_status=AgencyStatus.SUBMITTED,
    )
    # 出生医学证明 numbers: a letter and nine digits, from the issuing hospital's series.
    application.reference = f"CS{now:%y%m%d}{application.pk:05d}"
    application.certificate_number = f"Q{institution.pk % 1000:03d}{application.pk:06d}"
    application.save(update_fields=["reference", "certificate_number"])
    audit.record(
        actor,
        AuditAction.CREATE,
        application,
        patient_id=newborn.pk,
        summary=f"birth application {application.reference}: certificate issued",
    )
    _tell(application, "birth_certificate_issued")
    return application


def _tell(application: BirthApplication, template: str) -> None:
    notifications.notify(
        template,
        phone=application.mother.phone,
        subject=application,
        params={"reference": application.reference, "path": patient_path(application)},
        occasion=template,
    )


def send_to_agencies(application_id: int) -> None:
    """Submit the household registration and the insurance enrolment (each once: a status other
    than submitted-without-reference means it already went)."""
    application = BirthApplication.objects.select_related("newborn", "mother").get(
        pk=application_id
    )
    mother_id = (
        IdentityDocument.objects.filter(
            patient=application.mother, is_guardian_document=False, doc_type="resident_id"
        )
        .values_list("number", flat=True)
        .first()
    )
    if not application.household_reference:
        answer = household_registry().submit_birth(
            {
                "child_name": application.newborn.name,
                "child_sex": application.newborn.sex,
                "born_at": application.born_at.isoformat(),
                "certificate_number": application.certificate_number,
                "mother_id": mother_id or "",
                "father_name": application.father_name,
            }
        )
        _record_agency(application.pk, "household", answer.status, answer.reference, answer.note)
    if not application.insurance_reference:
        reply = insurance_platform().enrol_newborn(
            {
                "infno": "NB01",
                "msgid": f"{application.institution_id:06d}{application.reference}",
                "input": {
                    "data": {
                        "psn_name": application.newborn.name,
                        "gend": application.newborn.sex,
                        "brdy": application.newborn.birth_date.isoformat(),
                        "birth_cert_no": application.certificate_number,
                        "guardian_certno": mother_id or "",
                    }
                },
            }
        )
        if reply.get("infcode") == 0:
            number = reply["output"]["enrol_no"]
            _record_agency(application.pk, "insurance", AgencyStatus.ACCEPTED, number, "")
        else:
            _record_agency(
                application.pk, "insurance", AgencyStatus.REJECTED, "", reply.get("err_msg", "")
            )


@transaction.atomic
def _record_agency(application_id: int, agency: str, status: str, reference: str, note: str):
    application = BirthApplication.objects.select_for_update().get(pk=application_id)
    if getattr(application, f"{agency}_status") == status:
        return
    setattr(application, f"{agency}_status", status)
    if reference:
        setattr(application, f"{agency}_reference", reference)
    setattr(application, f"{agency}_note", note[:200])
    application.save()
    audit.record(
        SYSTEM,
        AuditAction.UPDATE,
        application,
        patient_id=application.newborn_id,
        summary=f"birth application {application.reference}: {agency} {status}",
    )
    if status == AgencyStatus.COMPLETED:
        _tell(application, f"birth_{agency}_done")


def track_births() -> int:
    """The sweep (manage.py track_births): ask the agencies about every accepted application."""
    moved = 0
    for application in BirthApplication.objects.filter(
        Q(household_status=AgencyStatus.ACCEPTED) | Q(insurance_status=AgencyStatus.ACCEPTED)
    ):
        if application.household_status == AgencyStatus.ACCEPTED:
            answer = household_registry().query(application.household_reference)
            if answer.status != AgencyStatus.ACCEPTED:
                _record_agency(application.pk, "household", answer.status, "", answer.note)
                moved += 1
        if application.insurance_status == AgencyStatus.ACCEPTED:
            reply = insurance_platform().query_enrolment(
                {"infno": "NB02", "input": {"data": {"enrol_no": application.insurance_reference}}}
            )
            if reply.get("output", {}).get("stas") == "1":
                _record_agency(application.pk, "insurance", AgencyStatus.COMPLETED, "", "")
                moved += 1
    return moved


# --- reading ------------------------------------------------------------------------------------


def patient_births(actor: Actor) -> QuerySet[BirthApplication]:
    patients = identity.accessible_patients(actor).values("pk")
    return (
        BirthApplication.objects.filter(mother_id__in=patients)
        .select_related("newborn", "mother", "institution")
        .order_by("-applied_at")
    )


def birth_for_patient(application_id: int, *, actor: Actor) -> BirthApplication:
    found = patient_births(actor).filter(pk=application_id).first()
    if found is None:
        raise NotFound(_("No such application."))
    return found


def births_at(*, actor: Actor) -> list[BirthApplication]:
    require_staff(actor, VIEW)
    found = list(
        BirthApplication.objects.filter(institution_id=staff_site(actor))
        .select_related("newborn", "mother")
        .order_by("-applied_at")[:100]
    )
    with transaction.atomic():
        for application in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                application,
                patient_id=application.newborn_id,
                summary="birth applications listed",
            )
    return found
