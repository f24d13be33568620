from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.ebills import services
from onetrip.ebills.services import EBillLine, EBillSource
from onetrip.identity.models import MobileAccount, ProxyGrant


@pytest.fixture
def account(register, clock):
    """A signed-in mobile account holding its own record (the `register` default patient)."""
    patient = register()
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    actor = Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)
    return actor, patient


def source(patient, institution, **overrides) -> EBillSource:
    fields = {
        "settlement_id": "S0001",
        "settled_at": NOW - dt.timedelta(minutes=5),
        "institution_id": institution.pk,
        "patient_id": patient.pk,
        "payer_name": patient.name,
        "payer_id_number": "110101199003074477",
        "lines": (
            EBillLine("western_medicine", 12_000),
            EBillLine("registration", 1_000),
            EBillLine("examination", 20_000),
            EBillLine("western_medicine", 3_000),
        ),
        "total_fen": 36_000,
        "fund_fen": 20_000,
        "account_fen": 6_000,
        "cash_fen": 10_000,
        "payment_channel": "wechat",
        "visit_number": "MZ20261123001",
        "insurance_type": "310",
        "insurance_number": "330100199003074477",
    }
    fields.update(overrides)
    return EBillSource(**fields)


@pytest.fixture
def issue(account, tertiary):
    _actor, patient = account

    def issue_bill(**overrides):
        return services.issue_ebill(settlement=source(patient, tertiary, **overrides), actor=SYSTEM)

    return issue_bill
