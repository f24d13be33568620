"""Public-health API (/api/publichealth/): a lot's recipients and a person's lots for staff, the
signed-in family's vaccinations, and the hut devices' batched uploads (by the hut gateway's API
key; each reading's own id makes a resent batch harmless)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Id
from onetrip.publichealth.devices import ReadingIn
from onetrip.publichealth.services import huts, vaccination
from onetrip.web.auth import ApiKeyAuth, caller
from onetrip.web.sessions import PatientSession, current_patient_actor

router = Router(tags=["publichealth"])


class DoseOut(Schema):
    dose_id: int
    patient_id: int
    patient_name: str
    vaccine: str
    lot_number: str
    trace_code: str
    given_at: dt.datetime
    lot_recalled: bool


def _present(doses) -> list[DoseOut]:
    return [
        DoseOut(
            dose_id=d.pk,
            patient_id=d.patient_id,
            patient_name=d.patient.name,
            vaccine=d.lot.product.name,
            lot_number=d.lot.lot_number,
            trace_code=d.trace_code.code,
            given_at=d.given_at,
            lot_recalled=d.lot.recalled_at is not None,
        )
        for d in doses
    ]


@router.get("/lots/{lot_id}/recipients", response=list[DoseOut], auth=StaffSession())
def lot_recipients(request: HttpRequest, lot_id: Id):
    """Everyone who received a dose of the lot (the recall list)."""
    lot, doses = vaccination.lot_for_staff(lot_id, actor=api_staff_actor(request))
    for dose in doses:
        dose.lot = lot
    return _present(doses)


@router.get("/patients/{patient_id}/doses", response=list[DoseOut], auth=StaffSession())
def patient_doses(request: HttpRequest, patient_id: Id):
    """Every dose (with its lot and package code) a person received."""
    patient, doses = vaccination.person_for_staff(patient_id, actor=api_staff_actor(request))
    for dose in doses:
        dose.patient = patient
    return _present(doses)


@router.get("/me/doses", response=list[DoseOut], auth=PatientSession())
def my_doses(request: HttpRequest):
    """The doses of everyone the signed-in account holds."""
    cards = vaccination.vaccination_cards(current_patient_actor(request))
    return _present([dose for card in cards for dose in card.doses])


class ReadingBody(Schema):
    reading_uid: str = Field(max_length=64)
    resident_document: str = Field(max_length=18, description="the resident's ID card number")
    kind: str = Field(max_length=10)
    measured_at: dt.datetime
    systolic: int | None = Field(None, ge=30, le=300)
    diastolic: int | None = Field(None, ge=20, le=200)
    glucose_tenths: int | None = Field(None, ge=5, le=400)


class BatchBody(Schema):
    serial: str = Field(max_length=40)
    readings: list[ReadingBody] = Field(max_length=huts.MAX_BATCH)


class BatchOut(Schema):
    filed: int
    already_filed: int
    unknown_residents: list[str]


@router.post("/huts/readings", response=BatchOut, auth=[ApiKeyAuth()])
def upload_readings(request: HttpRequest, body: BatchBody):
    """One batch from a hut's device gateway; sent again after a lost answer, it files nothing
    twice."""
    batch = [
        ReadingIn(
            r.reading_uid,
            r.resident_document,
            r.kind,
            r.measured_at,
            r.systolic,
            r.diastolic,
            r.glucose_tenths,
        )
        for r in body.readings
    ]
    return huts.upload_readings(body.serial, batch, actor=caller(request))
