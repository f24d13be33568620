"""Referral fixtures: the tertiary hospital's internal medicine and the township health centre's
general practice, each with a doctor holding weekday morning sessions (08:00–11:00, 10-minute
slots, 2 patients each) for three weeks; a township family doctor, the hospital's referral
office, a hospital doctor and its check-in nurse; and a patient registered at the township."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, Department, DoctorTitle, Institution
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.identity.models import MobileAccount, Patient, ProxyGrant
from onetrip.referral.services import referrals
from onetrip.scheduling.models import Period, SessionTemplate, Slot, SlotPool
from onetrip.scheduling.services import schedule
from onetrip.scheduling.services.queue import check_in


def open_weekday_mornings(department: Department, doctor_name: str, title: str):
    doctor = consortium.add_doctor(department, name=doctor_name, title=title, actor=SYSTEM)
    clinic = consortium.add_clinic(
        department, name=f"{department.name}门诊", kind=ClinicKind.GENERAL, actor=SYSTEM
    )
    for weekday in range(5):
        SessionTemplate.objects.create(
            doctor=doctor,
            clinic=clinic,
            weekday=weekday,
            period=Period.MORNING,
            start_time=dt.time(8, 0),
            end_time=dt.time(11, 0),
            slot_minutes=10,
            capacity_per_slot=2,
            valid_from=NOW.date(),
        )
    schedule.generate_sessions(
        institution_id=department.institution_id,
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=20),
        actor=SYSTEM,
    )
    return doctor


@dataclass
class Consortium:
    hospital: Institution
    township: Institution
    medicine: Department
    general_practice: Department
    family_doctor: Actor
    office: Actor
    hospital_doctor: Actor
    nurse: Actor
    township_registration: Actor
    patient: Patient


@pytest.fixture
def care(clock, tertiary, township, make_staff, register) -> Consortium:
    medicine = consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)
    practice = consortium.add_department(township, code="GP", name="全科", actor=SYSTEM)
    open_weekday_mornings(medicine, "李主任", DoctorTitle.CHIEF)
    gp = open_weekday_mornings(practice, "王医生", DoctorTitle.ATTENDING)
    family_doctor = consortium.create_staff_account(
        username="familydoctor",
        password="correct-horse-battery",
        full_name="王医生",
        institution=township,
        roles=["doctor"],
        doctor=gp,
        actor=SYSTEM,
    )
    township_registration = actor_for(make_staff("registration", township))
    return Consortium(
        hospital=tertiary,
        township=township,
        medicine=medicine,
        general_practice=practice,
        family_doctor=actor_for(family_doctor),
        office=actor_for(make_staff("referral", tertiary)),
        hospital_doctor=actor_for(make_staff("doctor", tertiary)),
        nurse=actor_for(make_staff("nurse", tertiary)),
        township_registration=township_registration,
        patient=register(actor=township_registration),
    )


def primary_care_slot(
    care: Consortium, days_ahead: int = 2, index: int = 0, after: dt.datetime = NOW
) -> Slot:
    """A hospital slot after `after` with a unit in the reserved primary-care pool."""
    day = NOW.date() + dt.timedelta(days=days_ahead)
    pools = SlotPool.objects.filter(
        department=care.medicine,
        kind="primary_care",
        capacity__gt=0,
        starts_at__date=day,
        starts_at__gt=after,
    ).order_by("starts_at")
    return pools[index].slot


def township_slot(care: Consortium, day: dt.date) -> Slot:
    return (
        Slot.objects.filter(session__department=care.general_practice, session__date=day)
        .order_by("starts_at")
        .first()
    )


def refer(care: Consortium, slot: Slot | None = None, **fields) -> referrals.Referral:
    values = {
        "patient_id": care.patient.pk,
        "department_id": care.medicine.pk,
        "reason": "血压控制不佳，需专科调整用药",
        "diagnosis": "高血压3级",
        "slot_id": (slot or primary_care_slot(care)).pk,
        "record_shared": True,
    }
    values.update(fields)
    return referrals.refer_up(referrals.UpwardReferral(**values), actor=care.family_doctor)


def arrive(care: Consortium, referral, actor: Actor | None = None):
    """The patient checks in at the hospital with the booking number."""
    return check_in(
        booking_number=referral.appointment.booking_number,
        institution_id=referral.to_institution_id,
        actor=actor or care.nurse,
    )


def phone_of(patient: Patient) -> Actor:
    """A mobile account holding the patient's own record."""
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


def back_down(care: Consortium, *follow_up_days: int, **fields):
    values = {
        "patient_id": care.patient.pk,
        "to_institution_id": care.township.pk,
        "reason": "住院调整用药后血压平稳",
        "diagnosis": "高血压3级",
        "medication": "氨氯地平 5mg 每日一次",
        "warning_signs": "头痛剧烈、胸痛、血压高于180/110",
        "follow_ups": [
            referrals.FollowUpIn(NOW.date() + dt.timedelta(days=d), "复查血压")
            for d in (follow_up_days or (7,))
        ],
    }
    values.update(fields)
    return referrals.refer_down(referrals.DownwardReferral(**values), actor=care.hospital_doctor)
