"""FHIR R4 views of the referral domain as JSON-ready dicts (pure mapping; the interface decides
who may see what and writes the audit row).

A referral or a consultation request is a `ServiceRequest` (ids "referral-12",
"consultation-5"), its workflow state a `Task` with the same id whose `focus` is the request, and
a downward referral's care plan a `CarePlan` (id = the referral's). The shared record is a
searchset `Bundle` (`Patient/$everything`): the patient, their problems (`Condition`),
allergies (`AllergyIntolerance`), medication (`MedicationStatement`), results
(`DiagnosticReport`), visits (`Appointment`), referrals and care plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from onetrip.core import clock
from onetrip.referral.models import (
    ConsultationRequest,
    ConsultationStatus,
    Referral,
    ReferralStatus,
    Target,
)
from onetrip.referral.queries import Tracked

SID = "https://onetrip.example/fhir/sid/"
CODE_SYSTEM = "https://onetrip.example/fhir/CodeSystem/"
SNOMED = "http://snomed.info/sct"
# SNOMED CT 3457005 "Patient referral (procedure)"; 11429006 "Consultation (procedure)".
REFERRAL_CATEGORY = {
    "coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]
}
CONSULTATION_CATEGORY = {
    "coding": [{"system": SNOMED, "code": "11429006", "display": "Consultation"}]
}
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def instant(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _organization(institution) -> dict[str, Any]:
    return {"reference": f"Organization/{institution.pk}", "display": institution.name}


def _patient(patient_id: int) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"}


# --- referrals ------------------------------------------------------------------------------

_REQUEST_STATUS = {
    ReferralStatus.SENT: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.REDIRECTED: "revoked",
    ReferralStatus.CANCELLED: "revoked",
}
_TASK_STATUS = {
    "waiting": "requested",
    "redirected": "rejected",
    "cancelled": "cancelled",
    "booked": "accepted",
    "exam_to_book": "accepted",
    "visited": "completed",
    "missed": "failed",
    "booking_ended": "cancelled",
    "plan_received": "completed",
}


def referral_request(tracked: Tracked) -> dict[str, Any]:
    referral = tracked.referral
    status = _REQUEST_STATUS[referral.status]
    if tracked.stage in ("visited", "plan_received"):
        status = "completed"
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": f"referral-{referral.pk}",
        "identifier": [{"system": f"{SID}referral", "value": str(referral.pk)}],
        "status": status,
        "intent": "order",
        "category": [REFERRAL_CATEGORY],
        "priority": referral.urgency,
        "code": {
            "coding": [
                {
                    "system": f"{CODE_SYSTEM}referral-target",
                    "code": referral.target,
                    "display": str(Target(referral.target).label),
                }
            ],
            "text": tracked.exam.item if tracked.exam else str(Target(referral.target).label),
        },
        "subject": _patient(referral.patient_id),
        "authoredOn": instant(referral.sent_at),
        "requester": {"display": referral.referred_by},
        "performer": [_organization(referral.to_institution)],
        "reasonCode": [{"text": referral.diagnosis}],
        "note": [{"text": referral.reason}],
    }
    if referral.to_department_id:
        resource["performerType"] = {"text": referral.to_department.name}
    if referral.attached_reports:
        resource["supportingInfo"] = [
            {"reference": f"DiagnosticReport/{pk}"} for pk in referral.attached_reports
        ]
    return resource


def referral_task(tracked: Tracked) -> dict[str, Any]:
    referral = tracked.referral
    focus = {"reference": f"ServiceRequest/referral-{referral.pk}"}
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"referral-{referral.pk}",
        "basedOn": [focus],
        "status": _TASK_STATUS[tracked.stage],
        "businessStatus": {
            "coding": [{"system": f"{CODE_SYSTEM}referral-stage", "code": tracked.stage}],
            "text": tracked.stage_label,
        },
        "intent": "order",
        "priority": referral.urgency,
        "focus": focus,
        "for": _patient(referral.patient_id),
        "authoredOn": instant(referral.sent_at),
        "lastModified": instant(referral.decided_at or referral.sent_at),
        "requester": _organization(referral.from_institution),
        "owner": _organization(referral.to_institution),
    }
    if referral.decision_reason:
        resource["statusReason"] = {"text": referral.decision_reason}
    if referral.appointment_id:
        resource["output"] = [
            {
                "type": {"text": "Appointment"},
                "valueReference": {"reference": f"Appointment/{referral.appointment_id}"},
            }
        ]
    return resource


def care_plan(referral: Referral) -> dict[str, Any]:
    plan = referral.care_plan
    activities = [
        {
            "detail": {
                "kind": "Appointment",
                "code": {"text": follow_up.purpose},
                "status": "scheduled" if follow_up.appointment_id else "not-started",
                "scheduledPeriod": {"start": follow_up.due_date.isoformat()},
                "location": {"display": referral.to_institution.name},
            }
        }
        for follow_up in plan.follow_ups.all()
    ]
    activities.append(
        {
            "detail": {
                "kind": "MedicationRequest",
                "status": "in-progress",
                "description": plan.medication,
            }
        }
    )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(referral.pk),
        "status": "revoked" if referral.status == ReferralStatus.CANCELLED else "active",
        "intent": "plan",
        "title": plan.diagnosis,
        "subject": _patient(referral.patient_id),
        "created": instant(referral.sent_at),
        "author": _organization(referral.from_institution),
        "addresses": [{"display": plan.diagnosis}],
        "supportingInfo": [{"reference": f"ServiceRequest/referral-{referral.pk}"}],
        "activity": activities,
        "note": [{"text": plan.warning_signs}],
    }
    if plan.advice:
        resource["description"] = plan.advice
    return resource


# --- consultations --------------------------------------------------------------------------


def consultation_request(consultation: ConsultationRequest) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": f"consultation-{consultation.pk}",
        "identifier": [{"system": f"{SID}consultation", "value": str(consultation.pk)}],
        "status": {
            ConsultationStatus.REQUESTED: "active",
            ConsultationStatus.ANSWERED: "completed",
            ConsultationStatus.CANCELLED: "revoked",
        }[consultation.status],
        "intent": "order",
        "category": [CONSULTATION_CATEGORY],
        "priority": consultation.urgency,
        "code": {
            "coding": [{"system": f"{CODE_SYSTEM}consultation-kind", "code": consultation.kind}],
            "text": consultation.get_kind_display(),
        },
        "subject": _patient(consultation.patient_id),
        "authoredOn": instant(consultation.requested_at),
        "occurrenceDateTime": instant(consultation.due_at),
        "requester": {"display": consultation.requested_by},
        "performer": [_organization(consultation.consulting_institution)],
        "note": [{"text": consultation.question}],
    }
    references = [
        ("study_uid", "urn:dicom:uid", consultation.study_uid),
        ("waveform_file", f"{SID}waveform-file", consultation.waveform_file),
        ("specimen_reference", f"{SID}specimen", consultation.specimen_reference),
    ]
    info = [
        {"identifier": {"system": system, "value": value}, "display": name}
        for name, system, value in references
        if value
    ]
    if consultation.exam_order_id:
        # The exam being read, by its order number (as its DiagnosticReport names it).
        placer = {"system": f"{SID}exam-order", "value": consultation.exam_order.placer_number}
        info.append({"type": "ServiceRequest", "identifier": placer})
    if info:
        resource["supportingInfo"] = info
    return resource


def consultation_task(consultation: ConsultationRequest) -> dict[str, Any]:
    focus = {"reference": f"ServiceRequest/consultation-{consultation.pk}"}
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"consultation-{consultation.pk}",
        "basedOn": [focus],
        "status": {
            ConsultationStatus.REQUESTED: "requested",
            ConsultationStatus.ANSWERED: "completed",
            ConsultationStatus.CANCELLED: "cancelled",
        }[consultation.status],
        "intent": "order",
        "priority": consultation.urgency,
        "focus": focus,
        "for": _patient(consultation.patient_id),
        "authoredOn": instant(consultation.requested_at),
        "lastModified": instant(consultation.answered_at or consultation.requested_at),
        "requester": _organization(consultation.requesting_institution),
        "owner": _organization(consultation.consulting_institution),
        # The turnaround clock.
        "restriction": {"period": {"end": instant(consultation.due_at)}},
    }
    if consultation.report_id:
        resource["output"] = [
            {
                "type": {"text": "DiagnosticReport"},
                "valueReference": {"reference": f"DiagnosticReport/{consultation.report_id}"},
            }
        ]
    elif consultation.opinion:
        resource["output"] = [{"type": {"text": "Opinion"}, "valueString": consultation.opinion}]
    return resource


# --- the shared record ----------------------------------------------------------------------


def condition(entry, patient_id: int, index: int) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"problem-{patient_id}-{index}",
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "code": {"text": entry.text},
        "subject": _patient(patient_id),
        "recordedDate": instant(entry.since),
        "asserter": {"display": entry.source},
    }


def allergy(entry, patient_id: int, index: int) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": f"allergy-{patient_id}-{index}",
        "code": {"text": entry.text},
        "patient": _patient(patient_id),
        "recordedDate": instant(entry.since),
        "asserter": {"display": entry.source},
    }


def medication(entry, patient_id: int, index: int) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": f"medication-{patient_id}-{index}",
        "status": "active",
        "medicationCodeableConcept": {"text": entry.text},
        "subject": _patient(patient_id),
        "dateAsserted": instant(entry.since),
        "informationSource": {"display": entry.source},
    }


def everything_bundle(resources: list[dict[str, Any]], *, base_url: str, self_url: str) -> dict:
    base = base_url.rstrip("/")
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(clock.now()),
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
