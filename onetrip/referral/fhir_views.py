"""FHIR R4 reads of the referral domain at the FHIR base (/fhir/): `ServiceRequest`, `Task` and
`CarePlan` read, and `Patient/{id}/$everything` (the shared record, R-NET-4). Callers are staff
(session); they see the referrals their institution sent or received and the shared records
patients consented to; every read is audited by the services. Refusals are OperationOutcomes."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.core.fhir_http import READ, fhir_response, fhir_view
from onetrip.identity.fhir import patient_resource
from onetrip.referral import fhir, queries
from onetrip.referral.services import consultations, record
from onetrip.reports.fhir import diagnostic_report
from onetrip.scheduling import queries as scheduling
from onetrip.scheduling.fhir import appointment_resource
from onetrip.web.auth import fhir_caller

_ID = re.compile(r"(referral|consultation)-([0-9]{1,18})")
_PATIENT_ID = re.compile(r"[0-9]{1,18}")


def _caller(request: HttpRequest) -> Actor:
    """Staff only: an external system's key stands for its whole institution, and referrals and
    shared records are read by the people treating the patient."""
    actor = fhir_caller(request)
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Sign in with a staff account."), code="not_staff")
    return actor


def _split(resource_id: str) -> tuple[str, int]:
    found = _ID.fullmatch(resource_id)
    if found is None:
        raise NotFound(_("No such resource."))
    return found.group(1), int(found.group(2))


def _consultation(pk: int, actor: Actor):
    return consultations.consultation_for(pk, actor=actor)


@fhir_view(READ)
def service_request_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    actor = _caller(request)
    kind, pk = _split(resource_id)
    if kind == "referral":
        return fhir_response(fhir.referral_request(queries.referral_for(pk, actor=actor)))
    return fhir_response(fhir.consultation_request(_consultation(pk, actor)))


@fhir_view(READ)
def task_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    actor = _caller(request)
    kind, pk = _split(resource_id)
    if kind == "referral":
        return fhir_response(fhir.referral_task(queries.referral_for(pk, actor=actor)))
    return fhir_response(fhir.consultation_task(_consultation(pk, actor)))


@fhir_view(READ)
def care_plan_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    actor = _caller(request)
    if not _PATIENT_ID.fullmatch(resource_id):
        raise NotFound(_("No such care plan."))
    referral = queries.referral_for(int(resource_id), actor=actor).referral
    if referral.direction != "down":
        raise NotFound(_("No such care plan."))
    return fhir_response(fhir.care_plan(referral))


@fhir_view(READ)
def patient_everything(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = _caller(request)
    if not _PATIENT_ID.fullmatch(patient_id):
        raise NotFound(_("No such patient."))
    summary = record.shared_record(int(patient_id), actor=actor)
    pk = summary.patient.pk
    resources = [patient_resource(summary.patient, actor=actor)]
    resources += [fhir.condition(e, pk, i) for i, e in enumerate(summary.problems, 1)]
    resources += [fhir.allergy(e, pk, i) for i, e in enumerate(summary.allergies, 1)]
    resources += [fhir.medication(e, pk, i) for i, e in enumerate(summary.medications, 1)]
    resources += [diagnostic_report(report) for report in summary.results]
    appointments = scheduling.visible_appointments(actor).filter(
        pk__in=[e.appointment_id for e in summary.encounters]
    )
    resources += [appointment_resource(a) for a in appointments]
    for tracked in summary.referrals:
        resources += [fhir.referral_request(tracked), fhir.referral_task(tracked)]
        if tracked.referral.direction == "down":
            resources.append(fhir.care_plan(tracked.referral))
    for consultation in summary.consultations:
        resources += [fhir.consultation_request(consultation), fhir.consultation_task(consultation)]
    base = request.build_absolute_uri(reverse("referral-fhir-everything", args=[patient_id]))
    return fhir_response(
        fhir.everything_bundle(
            resources,
            base_url=base.split("/Patient/")[0],
            self_url=request.build_absolute_uri(),
        )
    )
