"""Inpatient API (/api/inpatient/): the doctor's admission notice, the centre's worklist and bed
board, one admission, booking a bed, the pre-admission visit and the blood donor's claim
(R-PAY-6) as the centre's pages do them, and the patient's own admissions."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Day, Id
from onetrip.inpatient import blood, preadmission, services
from onetrip.inpatient.models import (
    Admission,
    BloodDonorClaim,
    DonorRelationship,
    PreAdmissionVisit,
    RelationshipProof,
)
from onetrip.web.sessions import PatientSession, current_patient_actor

router = Router(tags=["inpatient"])


class NoticeIn(Schema):
    patient_id: Id
    diagnosis: str
    urgency: str
    expected_los_days: int = Field(ge=1, le=365)
    planned_procedure: str = ""
    surgeon: str = ""
    needs_isolation: bool = False
    day_surgery_id: Id | None = None


class BookIn(Schema):
    bed_id: Id
    expected_date: Day


class AdmissionOut(Schema):
    id: int
    patient_id: int
    patient: str
    status: str
    diagnosis: str
    planned_procedure: str
    urgency: str
    expected_los_days: int
    surgeon: str
    day_surgery: bool
    bed: str
    expected_admission_date: dt.date | None
    admission_number: str


class BedOut(Schema):
    id: int
    ward: str
    room: str
    label: str
    isolation: bool
    state: str


class PreAdmissionIn(Schema):
    day: Day


class VisitStepOut(Schema):
    at: dt.datetime
    what: str
    where: str
    state: str
    state_label: str


class PreAdmissionOut(Schema):
    visit_date: dt.date
    valid_days: int
    anaesthesia_at: dt.datetime | None
    anaesthesia_place: str
    fees_moved: bool
    steps: list[VisitStepOut]


class BloodClaimIn(Schema):
    donor_id_number: str = Field(min_length=1, max_length=18)
    relationship: DonorRelationship
    proof: RelationshipProof


class BloodClaimOut(Schema):
    donor_name: str
    relationship: str
    proof: str
    donated_ml: int
    reimbursed_before_ml: int
    unlimited: bool
    allowance_ml: int | None
    covered_ml: int
    covered_fen: int
    checked_at: dt.datetime


def _out(admission: Admission) -> AdmissionOut:
    bed = getattr(admission, "bed", None)
    return AdmissionOut(
        id=admission.pk,
        patient_id=admission.patient_id,
        patient=admission.patient.name,
        status=admission.status,
        diagnosis=admission.diagnosis,
        planned_procedure=admission.planned_procedure,
        urgency=admission.urgency,
        expected_los_days=admission.expected_los_days,
        surgeon=admission.surgeon,
        day_surgery=admission.day_surgery_id is not None,
        bed=f"{bed.room.ward.name} {bed.room.number}-{bed.label}" if bed else "",
        expected_admission_date=admission.expected_admission_date,
        admission_number=admission.admission_number,
    )


@router.post("/notices", response={201: AdmissionOut}, auth=StaffSession())
def issue_notice(request: HttpRequest, payload: NoticeIn):
    """A doctor's admission notice: to the admission preparation centre and the patient."""
    admission = services.issue_notice(
        services.NoticeIn(**payload.dict()), actor=api_staff_actor(request)
    )
    return Status(201, _out(admission))


@router.get("/worklist", response=list[AdmissionOut], auth=StaffSession())
def worklist(request: HttpRequest):
    """The centre's notices not yet admitted, oldest first."""
    return [_out(a) for a in services.worklist(actor=api_staff_actor(request))]


@router.get("/beds", response=list[BedOut], auth=StaffSession())
def beds(request: HttpRequest):
    """Every bed of the hospital and its state now (free, booked, ready, occupied)."""
    return [
        BedOut(
            id=row.bed.pk,
            ward=ward.name,
            room=row.bed.room.number,
            label=row.bed.label,
            isolation=row.bed.room.isolation,
            state=row.state,
        )
        for ward, rows in services.bed_board(actor=api_staff_actor(request))
        for row in rows
    ]


@router.get("/admissions/{admission_id}", response=AdmissionOut, auth=StaffSession())
def admission(request: HttpRequest, admission_id: Id):
    return _out(services.admission_for_staff(admission_id, actor=api_staff_actor(request)))


@router.post("/admissions/{admission_id}/book", response=AdmissionOut, auth=StaffSession())
def book(request: HttpRequest, admission_id: Id, payload: BookIn):
    """Book a bed of the pool for the expected admission date (409 when it was just taken)."""
    actor = api_staff_actor(request)
    services.book_bed(
        admission_id, bed_id=payload.bed_id, expected_date=payload.expected_date, actor=actor
    )
    return _out(services.admission_for_staff(admission_id, actor=actor))


@router.get("/me/admissions", response=list[AdmissionOut], auth=PatientSession())
def my_admissions(request: HttpRequest):
    """The signed-in account's admissions: the notice, the booked bed and its date."""
    return [_out(a) for a in services.patient_admissions(actor=current_patient_actor(request))]


def _visit_out(visit: PreAdmissionVisit, admission: Admission) -> PreAdmissionOut:
    return PreAdmissionOut(
        visit_date=visit.visit_date,
        valid_days=visit.valid_days,
        anaesthesia_at=timezone.localtime(visit.anaesthesia_at) if visit.anaesthesia_at else None,
        anaesthesia_place=visit.anaesthesia_place,
        fees_moved=visit.fees_moved_at is not None,
        steps=[
            VisitStepOut(
                at=timezone.localtime(step.at),
                what=step.what,
                where=step.where,
                state=step.state,
                state_label=step.state_label,
            )
            for step in preadmission.timeline(visit, admission=admission)
        ],
    )


def _claim_out(claim: BloodDonorClaim) -> BloodClaimOut:
    return BloodClaimOut(
        donor_name=claim.donor_name,
        relationship=claim.relationship,
        proof=claim.proof,
        donated_ml=claim.donated_ml,
        reimbursed_before_ml=claim.reimbursed_before_ml,
        unlimited=claim.unlimited,
        allowance_ml=claim.allowance_ml,
        covered_ml=claim.covered_ml,
        covered_fen=claim.covered_fen,
        checked_at=timezone.localtime(claim.checked_at),
    )


@router.post(
    "/admissions/{admission_id}/pre-admission", response=PreAdmissionOut, auth=StaffSession()
)
def plan_pre_admission(request: HttpRequest, admission_id: Id, payload: PreAdmissionIn):
    """Book the pre-admission exams on `day` and, for an operation, the pre-anaesthesia
    consultation after them (400 on `day` when they do not fit it; asking again answers the
    visit already planned)."""
    actor = api_staff_actor(request)
    visit = preadmission.plan_visit(admission_id, day=payload.day, actor=actor)
    return _visit_out(visit, services.admission_for_staff(admission_id, actor=actor))


@router.get(
    "/admissions/{admission_id}/pre-admission",
    response=PreAdmissionOut | None,
    auth=StaffSession(),
)
def pre_admission_visit(request: HttpRequest, admission_id: Id):
    """The pre-admission visit's steps in time order, with whether each result is valid at
    admission (null while none is planned)."""
    admission = services.admission_for_staff(admission_id, actor=api_staff_actor(request))
    visit = preadmission.visit_of(admission)
    return _visit_out(visit, admission) if visit else None


@router.post("/admissions/{admission_id}/blood-donor", response=BloodClaimOut, auth=StaffSession())
def claim_blood_fees(request: HttpRequest, admission_id: Id, payload: BloodClaimIn):
    """Record the blood donor and the relationship, checked with the blood centre; the covered
    blood fees come off the bill at discharge (a second claim replaces the first)."""
    claim = blood.claim_blood_fees(
        admission_id,
        donor_id_number=payload.donor_id_number,
        relationship=payload.relationship,
        proof=payload.proof,
        actor=api_staff_actor(request),
    )
    return _claim_out(claim)


@router.get(
    "/admissions/{admission_id}/blood-donor", response=BloodClaimOut | None, auth=StaffSession()
)
def blood_fee_claim(request: HttpRequest, admission_id: Id):
    """The stay's blood donor claim and what it reimbursed (null while none is recorded)."""
    admission = services.admission_for_staff(admission_id, actor=api_staff_actor(request))
    claim = blood.claim_of(admission)
    return _claim_out(claim) if claim else None
