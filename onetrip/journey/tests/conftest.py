"""Journey fixtures: the scheduling fixtures' internal-medicine sessions and app patient, the
exams catalogue at the tertiary hospital, and the staff who see the patient through a visit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onetrip.billing.models import CatalogueItem
from onetrip.billing.tests.conftest import cashier  # noqa: F401 (a fixture)
from onetrip.conftest import NOW, actor_for
from onetrip.consortium.models import Doctor
from onetrip.core.actors import Actor
from onetrip.exams import catalogue
from onetrip.exams.tests.conftest import ONE_OF_EACH
from onetrip.scheduling.tests.conftest import (  # noqa: F401 (fixtures)
    book,
    doctor,
    medicine,
    patient_actor,
    sessions,
)

__all__ = ["book", "cashier", "doctor", "medicine", "patient_actor", "sessions"]


@dataclass(frozen=True)
class Desk:
    nurse: Actor
    doctor: Actor  # the fixture's chief physician, signed in
    cashier: Actor


@pytest.fixture
def desk(make_staff, tertiary, doctor, cashier, clock) -> Desk:  # noqa: F811
    CatalogueItem.objects.create(
        code="REG01",
        name="普通门诊挂号",
        kind="service",
        charge_category="registration",
        insurance_category="A",
        unit_price_fen=1000,
    )
    catalogue.load_default_catalogue()
    catalogue.equip_institution(tertiary.pk, ONE_OF_EACH, NOW.date(), 14)
    doctor_profile = make_staff("doctor", tertiary)
    Doctor.objects.filter(pk=doctor.pk).update(user=doctor_profile.user)
    return Desk(
        nurse=actor_for(make_staff("nurse", tertiary)),
        doctor=actor_for(doctor_profile),
        cashier=cashier,
    )
