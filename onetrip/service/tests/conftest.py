"""Service-centre fixtures: the tertiary hospital with two departments, its complaints officer
and service-centre window, and a patient holding their own mobile account."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import Department, Institution
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.identity.models import (
    ConsentBasis,
    MobileAccount,
    Patient,
    ProxyGrant,
    Relationship,
)


@dataclass
class Centre:
    hospital: Institution
    medicine: Department
    outpatient: Department
    officer: Actor
    window: Actor
    patient: Patient
    account: MobileAccount
    patient_actor: Actor


@pytest.fixture
def centre(clock, tertiary, make_staff, register) -> Centre:
    medicine = consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)
    outpatient = consortium.add_department(tertiary, code="OPD", name="门诊部", actor=SYSTEM)
    patient = register()
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    return Centre(
        hospital=tertiary,
        medicine=medicine,
        outpatient=outpatient,
        officer=actor_for(make_staff("complaints", tertiary)),
        window=actor_for(make_staff("service_centre", tertiary)),
        patient=patient,
        account=account,
        patient_actor=Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk),
    )
