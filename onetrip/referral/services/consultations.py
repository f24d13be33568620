"""Remote consultation and remote imaging, ECG and pathology readings inside the consortium
(R-NET-3). The request travels with references to the images or tracings (a DICOM study
instance UID, a waveform file, a slide number), never the files themselves; a turnaround clock
runs from the request. An imaging or ECG reading answers an exam the requester performed, and its
answer is filed through reports as that exam's report: in the requester's record, on the
patient's phone, recognised across the consortium."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.exams import services as exams
from onetrip.identity import services as identity
from onetrip.referral import domain_events
from onetrip.referral.models import (
    EXAM_READINGS,
    ConsultationRequest,
    ConsultationStatus,
    ReadingKind,
    Urgency,
)
from onetrip.referral.services.common import patient_for, require_staff, text
from onetrip.referral.services.referrals import REFER, ReferralRefused
from onetrip.reports import services as reports
from onetrip.reports.results import ReportIn, ReportKind, ReportStatus

ANSWER = "referral.answer_consultation"

# The turnaround clock: how long the centre has to answer, by urgency. Local service levels of
# the demo consortium (a reading within the working day, a consultation within two days).
TURNAROUND = {
    (Urgency.ROUTINE, ReadingKind.CONSULTATION): dt.timedelta(hours=48),
    (Urgency.ROUTINE, ReadingKind.IMAGING): dt.timedelta(hours=24),
    (Urgency.ROUTINE, ReadingKind.ECG): dt.timedelta(hours=24),
    (Urgency.ROUTINE, ReadingKind.PATHOLOGY): dt.timedelta(hours=72),
    (Urgency.URGENT, ReadingKind.CONSULTATION): dt.timedelta(hours=2),
    (Urgency.URGENT, ReadingKind.IMAGING): dt.timedelta(minutes=30),
    (Urgency.URGENT, ReadingKind.ECG): dt.timedelta(minutes=15),
    (Urgency.URGENT, ReadingKind.PATHOLOGY): dt.timedelta(hours=24),
}
# A DICOM UID: numeric components separated by dots, at most 64 characters.
_UID_CHARS = set("0123456789.")


@dataclass(frozen=True)
class ConsultationIn:
    patient_id: int
    kind: str
    consulting_institution_id: int
    question: str
    urgency: str = Urgency.ROUTINE
    exam_order_id: int | None = None
    study_uid: str = ""
    waveform_file: str = ""
    specimen_reference: str = ""


def request_consultation(request: ConsultationIn, *, actor: Actor) -> ConsultationRequest:
    require_staff(actor, REFER)
    errors: list[FieldError] = []
    question = text(errors, "question", request.question, 500)
    study_uid = _study_uid(request, errors)
    waveform = text(errors, "waveform_file", request.waveform_file, 200, required=False)
    specimen = text(errors, "specimen_reference", request.specimen_reference, 100, required=False)
    if request.kind not in ReadingKind.values:
        errors.append(FieldError("kind", _("Choose what to ask for.")))
    if request.urgency not in Urgency.values:
        errors.append(FieldError("urgency", _("Choose an urgency.")))
    if request.kind == ReadingKind.ECG and not waveform:
        errors.append(FieldError("waveform_file", _("Name the ECG waveform file."), "required"))
    if request.kind == ReadingKind.PATHOLOGY and not specimen:
        errors.append(
            FieldError("specimen_reference", _("Name the slide or specimen."), "required")
        )
    if request.kind in EXAM_READINGS and request.exam_order_id is None:
        errors.append(FieldError("exam_order_id", _("Choose the exam to be read."), "required"))
    centre = Institution.objects.filter(pk=request.consulting_institution_id).first()
    if centre is None or centre.pk == actor.institution_id:
        errors.append(
            FieldError("consulting_institution_id", _("Choose another consortium institution."))
        )
    if errors:
        raise InvalidInput(*errors)
    references = {"study_uid": study_uid, "waveform_file": waveform, "specimen_reference": specimen}
    return _request(request, question, references, actor)


def _study_uid(request: ConsultationIn, errors: list[FieldError]) -> str:
    uid = (request.study_uid or "").strip()
    if request.kind == ReadingKind.IMAGING and not uid:
        errors.append(FieldError("study_uid", _("Give the DICOM study instance UID."), "required"))
    elif uid and (len(uid) > 64 or not set(uid) <= _UID_CHARS or ".." in uid):
        errors.append(FieldError("study_uid", _("A DICOM UID is digits and dots."), "invalid"))
    return uid


@transaction.atomic
def _request(
    request: ConsultationIn, question: str, references: dict[str, str], actor: Actor
) -> ConsultationRequest:
    patient = patient_for(request.patient_id, actor)
    if request.exam_order_id is not None:
        order = exams.order_summaries([request.exam_order_id]).get(request.exam_order_id)
        if (
            order is None
            or order.patient_id != patient.pk
            or actor.institution_id
            not in (order.ordering_institution_id, order.performing_institution_id)
        ):
            raise InvalidInput.field("exam_order_id", _("Choose one of this patient's exams here."))
    now = clock.now()
    consultation = ConsultationRequest.objects.create(
        patient=patient,
        kind=request.kind,
        urgency=request.urgency,
        requesting_institution_id=actor.institution_id,
        consulting_institution_id=request.consulting_institution_id,
        question=question,
        exam_order_id=request.exam_order_id,
        requested_at=now,
        requested_by=actor.label[:150],
        due_at=now + TURNAROUND[(request.urgency, request.kind)],
        **references,
    )
    # The centre's doctors read the patient's record to answer.
    identity.affiliate_for_referral(patient.pk, request.consulting_institution_id)
    audit.record(
        actor,
        AuditAction.CREATE,
        consultation,
        patient_id=patient.pk,
        summary=f"{request.kind} requested of institution {request.consulting_institution_id}",
    )
    return consultation


@transaction.atomic
def answer_consultation(request_id: int, *, opinion: str, actor: Actor) -> ConsultationRequest:
    """The centre answers. A reading of an exam is filed as that exam's final report."""
    require_staff(actor, ANSWER)
    errors: list[FieldError] = []
    opinion = text(errors, "opinion", opinion, 2000)
    if errors:
        raise InvalidInput(*errors)
    consultation = (
        ConsultationRequest.objects.select_for_update(no_key=True)
        .filter(pk=request_id, consulting_institution_id=actor.institution_id)
        .first()
    )
    if consultation is None:
        raise NotFound(_("No such consultation request."))
    if consultation.status != ConsultationStatus.REQUESTED:
        raise ReferralRefused(_("This request has already been answered."), code="answered")
    now = clock.now()
    if consultation.exam_order_id is not None:
        consultation.report = _file_reading(consultation, opinion, now, actor)
    consultation.status = ConsultationStatus.ANSWERED
    consultation.answered_at = now
    consultation.answered_by = actor.label[:150]
    consultation.opinion = opinion
    consultation.save(update_fields=["status", "answered_at", "answered_by", "opinion", "report"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        consultation,
        patient_id=consultation.patient_id,
        summary=f"{consultation.kind} answered",
    )
    domain_events.consultation_answered(consultation)
    return consultation


def _file_reading(consultation: ConsultationRequest, opinion: str, now: dt.datetime, actor: Actor):
    order = exams.order_summaries([consultation.exam_order_id])[consultation.exam_order_id]
    reading = ReportIn(
        placer_number=order.placer_number,
        kind=ReportKind.IMAGING,
        status=ReportStatus.FINAL,
        service_code=order.item_code,
        service_name=order.item,
        issued_at=now,
        filler_number=f"RC{consultation.pk}",
        conclusion=opinion,
    )
    return reports.file_remote_reading(
        reading, message_id=f"consultation-{consultation.pk}", actor=actor
    )


@transaction.atomic
def consultation_for(request_id: int, *, actor: Actor) -> ConsultationRequest:
    """One request as a party to it (the requester or the centre) sees it; audited."""
    require_staff(actor, "referral.view_referral")
    mine = Q(requesting_institution_id=actor.institution_id) | Q(
        consulting_institution_id=actor.institution_id
    )
    consultation = (
        ConsultationRequest.objects.select_related(
            "patient", "requesting_institution", "consulting_institution", "report"
        )
        .filter(mine, pk=request_id)
        .first()
    )
    if consultation is None:
        raise NotFound(_("No such consultation request."))
    audit.record(
        actor,
        AuditAction.VIEW,
        consultation,
        patient_id=consultation.patient_id,
        summary="consultation request viewed",
    )
    return consultation
