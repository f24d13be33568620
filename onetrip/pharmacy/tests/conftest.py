"""Pharmacy fixtures: prescribing's (the stocked formulary, doctor, pharmacist and patient) and a
paid prescription in the dispensing queue."""

from __future__ import annotations

import pytest

from onetrip.pharmacy.models import DispenseOrder
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.tests.conftest import (  # noqa: F401
    amlodipine,
    online_clinic,
    pay_on_phone,
    rx,
    write,
)


def paid(world, *lines) -> DispenseOrder:
    prescription = write(world, *lines)
    prescriptions.approve(prescription.pk, actor=world.pharmacist)
    pay_on_phone(prescription, world.patient_actor)
    return DispenseOrder.objects.get(prescription=prescription)


@pytest.fixture
def order(rx) -> DispenseOrder:  # noqa: F811
    return paid(rx, amlodipine())
