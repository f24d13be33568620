"""Inpatient API (/api/inpatient/): the doctor's admission notice, the centre's worklist and bed
board, one admission, booking a bed, and the patient's own admissions."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Day, Id
from onetrip.inpatient import services
from onetrip.inpatient.models import Admission
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
