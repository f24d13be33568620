"""Service-centre fixtures: the tertiary hospital with two departments, its complaints officer
and service-centre window, and a patient holding their own mobile account."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onetrip.billing.models import (
    CatalogueItem,
    ChargeCategory,
    InsuranceCategory,
    ItemKind,
    PaymentChannel,
    SettlementMode,
)
from onetrip.billing.services import settlements
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
from onetrip.service.models import Equipment, EquipmentKind


@dataclass
class Centre:
    hospital: Institution
    medicine: Department
    outpatient: Department
    officer: Actor
    window: Actor
    cashier: Actor
    patient: Patient
    account: MobileAccount
    patient_actor: Actor


@pytest.fixture
def centre(clock, tertiary, make_staff, register) -> Centre:
    medicine = consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)
    a_record_copy_fee()
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
        cashier=actor_for(make_staff("finance", tertiary)),
        patient=patient,
        account=account,
        patient_actor=Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk),
    )


def a_record_copy_fee() -> None:
    """The price catalogue's record-copy line: 10.00 CNY a copy, postage included."""
    CatalogueItem.objects.get_or_create(
        code="SVC-MRCOPY",
        defaults={
            "name": "病历复印费",
            "kind": ItemKind.SERVICE,
            "charge_category": ChargeCategory.GENERAL_CARE,
            "insurance_category": InsuranceCategory.C,
            "unit_price_fen": 1000,
        },
    )


def pay_at_window(bill_id: int, cashier: Actor) -> None:
    settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=bill_id, mode=SettlementMode.WINDOW, channel=PaymentChannel.CASH
        ),
        actor=cashier,
    )


def a_wheelchair(institution: Institution, code: str = "LC-001") -> Equipment:
    """A wheelchair lent against the price catalogue's 200.00 CNY deposit line."""
    CatalogueItem.objects.get_or_create(
        code="SVC-DEP-WHEELCHAIR",
        defaults={
            "name": "轮椅押金",
            "kind": ItemKind.SERVICE,
            "charge_category": ChargeCategory.OTHER_OUTPATIENT,
            "insurance_category": InsuranceCategory.C,
            "unit_price_fen": 20000,
        },
    )
    return Equipment.objects.create(
        institution=institution,
        code=code,
        kind=EquipmentKind.WHEELCHAIR,
        deposit_item_code="SVC-DEP-WHEELCHAIR",
    )
