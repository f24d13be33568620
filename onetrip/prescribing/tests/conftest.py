"""Prescribing fixtures: the tertiary hospital's stocked formulary and the shared catalogue, its
doctor and pharmacist, and a patient holding their own mobile account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.conftest import NOW, STAFF_PASSWORD, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, Department, Doctor, DoctorTitle, Institution
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.demo.pharmacy import consortium_catalogue, stock_formulary
from onetrip.identity.models import MobileAccount, Patient, ProxyGrant
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.services.prescriptions import LineIn, PrescriptionIn
from onetrip.scheduling.models import Period, SessionTemplate
from onetrip.scheduling.services import schedule


@dataclass
class Rx:
    hospital: Institution
    doctor: Actor
    pharmacist: Actor
    patient: Patient
    patient_actor: Actor


def own_account(patient: Patient) -> Actor:
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    return Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)


@pytest.fixture
def rx(clock, tertiary, make_staff, register) -> Rx:
    consortium_catalogue()
    stock_formulary(tertiary.pk)
    patient = register()
    return Rx(
        hospital=tertiary,
        doctor=actor_for(make_staff("doctor", tertiary)),
        pharmacist=actor_for(make_staff("pharmacist", tertiary)),
        patient=patient,
        patient_actor=own_account(patient),
    )


def amlodipine(dose: str = "5", quantity: int = 1) -> LineIn:
    return LineIn("DR-AML", dose, 1, "oral", quantity)


def write(world, *lines: LineIn, doctor: Actor | None = None, **overrides):
    fields = {
        "patient_id": world.patient.pk,
        "condition_code": "I10",
        "condition_name": "原发性高血压",
        "days": 7,
        "lines": list(lines) or [amlodipine()],
    }
    fields.update(overrides)
    return prescriptions.write_prescription(PrescriptionIn(**fields), actor=doctor or world.doctor)


def pay_on_phone(prescription, patient_actor: Actor):
    """The patient pays the prescription's bill with WeChat Pay on the phone."""
    bill = prescriptions.unpaid_bill(prescription)
    settlement = settle(bill, patient_actor, channel="wechat", mode="mobile")
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    settlement.refresh_from_db()
    return settlement


@dataclass
class Clinic:
    doctor: Doctor
    doctor_actor: Actor
    department: Department


@pytest.fixture
def online_clinic(rx) -> Clinic:
    """Internal medicine's doctor (holding a staff login) with weekday morning sessions whose
    shared online pool takes online follow-ups."""
    return online_doctor(rx.hospital)


def online_doctor(hospital: Institution, *, days: int = 14) -> Clinic:
    medicine = consortium.add_department(hospital, code="IM", name="内科", actor=SYSTEM)
    doctor = consortium.add_doctor(medicine, name="李医生", title=DoctorTitle.CHIEF, actor=SYSTEM)
    profile = consortium.create_staff_account(
        username="online-doctor",
        password=STAFF_PASSWORD,
        full_name="李医生",
        institution=hospital,
        roles=["doctor"],
        doctor=doctor,
        actor=SYSTEM,
    )
    clinic = consortium.add_clinic(medicine, name="内科门诊", kind=ClinicKind.GENERAL, actor=SYSTEM)
    for weekday in range(7):
        SessionTemplate.objects.create(
            doctor=doctor,
            clinic=clinic,
            weekday=weekday,
            period=Period.AFTERNOON,
            start_time=dt.time(14, 0),
            end_time=dt.time(17, 0),
            slot_minutes=15,
            capacity_per_slot=2,
            fee_fen=0,
            valid_from=NOW.date(),
        )
    schedule.generate_sessions(
        institution_id=hospital.pk,
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=days),
        actor=SYSTEM,
    )
    doctor.refresh_from_db()
    return Clinic(doctor, actor_for(profile), medicine)
