from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from onetrip.billing.models import CatalogueItem, ChargeSource
from onetrip.billing.services import charges
from onetrip.conftest import actor_for
from onetrip.consortium.models import Clinic, Department
from onetrip.core.actors import SYSTEM

TWIN_BILLS = 3  # the visits of the twin tests' world
BILLING_PERMS = ("settle_bill", "add_charge", "view_bill")


@pytest.fixture
def catalogue(db):
    return {
        item.code: item
        for item in CatalogueItem.objects.bulk_create(
            [
                CatalogueItem(
                    code="REG01",
                    name="普通门诊挂号",
                    kind="service",
                    charge_category="registration",
                    insurance_category="A",
                    unit_price_fen=1000,
                ),
                CatalogueItem(
                    code="EX-CT",
                    name="胸部CT平扫",
                    kind="exam",
                    charge_category="examination",
                    insurance_category="B",
                    unit_price_fen=18000,
                ),
                CatalogueItem(
                    code="DR-AMX",
                    name="阿莫西林胶囊",
                    kind="drug",
                    charge_category="western_medicine",
                    insurance_category="A",
                    unit_price_fen=1250,
                ),
                CatalogueItem(
                    code="SP-NUT",
                    name="肠内营养粉",
                    kind="drug",
                    charge_category="western_medicine",
                    insurance_category="C",
                    unit_price_fen=5000,
                ),
            ]
        )
    }


@pytest.fixture
def cashier(make_staff, tertiary):
    profile = make_staff("finance", tertiary)
    profile.user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="billing", codename__in=BILLING_PERMS)
    )
    return actor_for(profile)


@pytest.fixture
def patient(register):
    return register()


@pytest.fixture
def bill(catalogue, patient, tertiary, cashier):
    """Registration 10.00 + CT 180.00 + 2 × amoxicillin 12.50 = 215.00 CNY."""
    lines = [
        ("REG01", 1, ChargeSource.REGISTRATION),
        ("EX-CT", 1, ChargeSource.EXAM_ORDER),
        ("DR-AMX", 2, ChargeSource.PRESCRIPTION),
    ]
    charge = None
    for number, (code, quantity, source) in enumerate(lines):
        charge = charges.create_charge(
            charges.ChargeRequest(
                patient_id=patient.pk,
                institution_id=tertiary.pk,
                visit_reference="MZ20261123001",
                item_code=code,
                quantity=quantity,
                source=source,
                source_key=f"line-{number}",
            ),
            actor=cashier,
        )
    return charge.bill


@pytest.fixture
def inpatient_bill(catalogue, patient, tertiary, cashier):
    """Admission ZY20261123001: a CT 180.00 + 2 × amoxicillin 12.50 = 205.00 CNY, unsettled."""
    from onetrip.billing.tests.helpers import charge_inpatient

    charge_inpatient(patient, tertiary, cashier, code="EX-CT", key="zy-1")
    return charge_inpatient(patient, tertiary, cashier, code="DR-AMX", quantity=2, key="zy-2").bill


@pytest.fixture
def world(catalogue, patient, tertiary, township, cashier, make_staff):
    """Three visits of the patient at the hospital, each with one line; a consulting room; a
    cashier of the township (who reaches none of these bills); a free item (a zero total has
    no journal entry to post)."""
    CatalogueItem.objects.create(
        code="FREE",
        name="免费咨询",
        kind="service",
        charge_category="registration",
        insurance_category="A",
        unit_price_fen=0,
    )
    medicine = Department.objects.create(institution=tertiary, code="IM", name="内科")
    room = Clinic.objects.create(department=medicine, name="诊室1", kind="general", location="二楼")
    outsider = make_staff("finance", township)
    outsider.user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="billing", codename__in=BILLING_PERMS)
    )
    bills = [
        charges.create_charge(
            charges.ChargeRequest(
                patient_id=patient.pk,
                institution_id=tertiary.pk,
                visit_reference=f"MZ{visit}",
                item_code="EX-CT",
                quantity=1,
                source="exam_order",
                source_key=f"first-{visit}",
            ),
            actor=cashier,
        ).bill
        for visit in range(TWIN_BILLS)
    ]
    actors = {"cashier": cashier, "system": SYSTEM, "outsider": actor_for(outsider)}
    return {
        "bills": bills,
        "actors": actors,
        "room": room,
        "patient": patient,
        "tertiary": tertiary,
    }
