"""Certificates at the one window (R-SVC-1, 一章管理): the doctor's certificate (diagnosis, sick
leave, birth and others) is submitted at the counter, reviewed and stamped with the hospital's
one seal, or refused with a reason. A stamped certificate is a PDF whose QR code opens a public
check page; the code is a signed token, so an altered or invented one is answered "not valid"."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.service.models import Certificate, CertificateKind, CertificateStatus
from onetrip.service.services.common import choice, institution_of, require_staff, text

STAMP = "service.stamp_certificate"
SALT = "onetrip.service.certificate"


class WrongState(DomainError):
    status = 409


@dataclass(frozen=True)
class CertificateIn:
    patient_id: int
    kind: str
    doctor_name: str
    statement: str
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


@transaction.atomic
def submit(data: CertificateIn, *, actor: Actor) -> Certificate:
    """The doctor's certificate brought to the window, for a patient of this hospital."""
    require_staff(actor, STAMP)
    errors: list[FieldError] = []
    patient = identity.accessible_patients(actor).filter(pk=data.patient_id or 0).first()
    if patient is None:
        errors.append(FieldError("patient_id", _("No such patient here."), "invalid_choice"))
    choice(errors, "kind", data.kind, CertificateKind)
    doctor = text(errors, "doctor_name", data.doctor_name, 50)
    statement = text(errors, "statement", data.statement, 500)
    if data.kind == CertificateKind.SICK_LEAVE and not (data.starts_on and data.ends_on):
        errors.append(FieldError("ends_on", _("A sick leave needs its first and last day.")))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.append(FieldError("ends_on", _("The last day is before the first."), "order"))
    if errors or patient is None:
        raise InvalidInput(*errors)
    now = clock.now()
    certificate = Certificate.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=institution_of(actor),
        patient=patient,
        kind=data.kind,
        doctor_name=doctor,
        statement=statement,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status=CertificateStatus.SUBMITTED,
        submitted_at=now,
    )
    certificate.reference = f"ZM{now:%y%m%d}{certificate.pk:05d}"
    certificate.save(update_fields=["reference"])
    audit.record(
        actor,
        AuditAction.CREATE,
        certificate,
        patient_id=patient.pk,
        summary=f"certificate {certificate.reference} submitted ({certificate.kind})",
    )
    return certificate


def _locked(certificate_id: int, actor: Actor) -> Certificate:
    require_staff(actor, STAMP)
    certificate = (
        Certificate.objects.select_for_update()
        .filter(pk=certificate_id, institution_id=institution_of(actor))
        .select_related("patient")
        .first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    if certificate.status != CertificateStatus.SUBMITTED:
        raise WrongState(_("This certificate is already reviewed."), code="wrong_state")
    return certificate


@transaction.atomic
def stamp(certificate_id: int, *, actor: Actor) -> Certificate:
    certificate = _locked(certificate_id, actor)
    certificate.status = CertificateStatus.STAMPED
    certificate.stamped_at = clock.now()
    certificate.stamped_by = actor.label
    certificate.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        certificate,
        patient_id=certificate.patient_id,
        summary=f"certificate {certificate.reference} stamped",
    )
    _tell(certificate)
    return certificate


@transaction.atomic
def refuse(certificate_id: int, *, reason: str, actor: Actor) -> Certificate:
    certificate = _locked(certificate_id, actor)
    errors: list[FieldError] = []
    reason = text(errors, "reason", reason, 300)
    if errors:
        raise InvalidInput(*errors)
    certificate.status = CertificateStatus.REFUSED
    certificate.refusal_reason = reason
    certificate.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        certificate,
        patient_id=certificate.patient_id,
        summary=f"certificate {certificate.reference} refused",
    )
    _tell(certificate)
    return certificate


def _tell(certificate: Certificate) -> None:
    notifications.notify(
        "errand_done" if certificate.status == CertificateStatus.STAMPED else "errand_refused",
        phone=certificate.patient.phone,
        subject=certificate,
        params={"reference": certificate.reference},
    )


def desk_list(*, actor: Actor) -> list[Certificate]:
    require_staff(actor, STAMP)
    return list(
        Certificate.objects.filter(institution_id=institution_of(actor))
        .select_related("patient")
        .order_by("-status", "-submitted_at")[:200]
    )


def certificate_for_staff(certificate_id: int, *, actor: Actor) -> Certificate:
    require_staff(actor, STAMP)
    certificate = (
        Certificate.objects.filter(pk=certificate_id, institution_id=institution_of(actor))
        .select_related("patient", "institution")
        .first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    audit.record_staff_read(
        actor,
        certificate,
        patient_id=certificate.patient_id,
        summary=f"certificate {certificate.reference} read",
    )
    return certificate


def patient_certificates(actor: Actor) -> QuerySet[Certificate]:
    patients = identity.accessible_patients(actor).values("pk")
    return (
        Certificate.objects.filter(patient_id__in=patients)
        .select_related("patient", "institution")
        .order_by("-submitted_at")
    )


def stamped_for_patient(certificate_id: int, *, actor: Actor) -> Certificate:
    certificate = (
        patient_certificates(actor)
        .filter(pk=certificate_id, status=CertificateStatus.STAMPED)
        .first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    return certificate


# --- the QR check ----------------------------------------------------------------------------


def verification_token(certificate: Certificate) -> str:
    # The reference is signed with the id, so a token is bound to one certificate; no expiry: an
    # employer checks a sick-leave note weeks later.
    return signing.dumps([certificate.pk, certificate.reference], salt=SALT)


def verify(token: str) -> Certificate | None:
    """The stamped certificate a token was issued for; None for a forged, damaged or unknown
    token, or a certificate that is not stamped."""
    try:
        certificate_id, reference = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(certificate_id, int):
        return None
    return (
        Certificate.objects.filter(
            pk=certificate_id, reference=reference, status=CertificateStatus.STAMPED
        )
        .select_related("patient", "institution")
        .first()
    )
