"""Prescribing API: a prescription with its review findings explained, and the pharmacist's
approval, for staff of the prescribing institution."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Id
from onetrip.prescribing.models import Prescription
from onetrip.prescribing.services import prescriptions

router = Router(tags=["prescribing"])


class PrescriptionLineOut(Schema):
    drug_code: str
    drug: str
    single_dose: str
    unit: str
    times_per_day: int
    route: str
    quantity: int


class FindingOut(Schema):
    rule: str
    severity: str
    explanation: str


class PrescriptionOut(Schema):
    id: int
    reference: str
    patient_id: int
    origin: str
    status: str
    condition_code: str
    days: int
    chronic: bool
    written_at: dt.datetime
    return_reason: str
    lines: list[PrescriptionLineOut]
    findings: list[FindingOut]


def _present(prescription: Prescription) -> PrescriptionOut:
    return PrescriptionOut(
        id=prescription.pk,
        reference=prescription.reference,
        patient_id=prescription.patient_id,
        origin=prescription.origin,
        status=prescription.status,
        condition_code=prescription.diagnosis.condition_code,
        days=prescription.days,
        chronic=prescription.chronic,
        written_at=prescription.written_at,
        return_reason=prescription.return_reason,
        lines=[
            PrescriptionLineOut(
                drug_code=line.drug.code,
                drug=line.drug.name,
                single_dose=f"{line.single_dose.normalize():f}",
                unit=line.drug.unit,
                times_per_day=line.times_per_day,
                route=line.route,
                quantity=line.quantity,
            )
            for line in prescription.lines.select_related("drug")
        ],
        findings=[
            FindingOut(rule=f.rule, severity=f.severity, explanation=text)
            for f, text in prescriptions.explained_findings(prescription)
        ],
    )


@router.get("/prescriptions/{prescription_id}", response=PrescriptionOut, auth=StaffSession())
def prescription(request: HttpRequest, prescription_id: Id):
    """A prescription with its lines and the review rules' findings, explained."""
    actor = api_staff_actor(request)
    return _present(prescriptions.prescription_for_staff(prescription_id, actor=actor))


@router.post(
    "/prescriptions/{prescription_id}/approve", response=PrescriptionOut, auth=StaffSession()
)
def approve(request: HttpRequest, prescription_id: Id):
    """The pharmacist approves: the lines are charged to the patient's bill (409 `blocked` when
    a finding must be changed, `already_reviewed` when reviewed)."""
    actor = api_staff_actor(request)
    prescriptions.approve(prescription_id, actor=actor)
    return _present(prescriptions.prescription_for_staff(prescription_id, actor=actor))
