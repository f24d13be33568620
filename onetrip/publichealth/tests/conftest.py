"""Public-health fixtures: the tertiary hospital's vaccination clinic, its vaccinator, the
vaccines (hepatitis B of the programme, HPV paid), a mother and her 40-day-old child."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onetrip.conftest import actor_for
from onetrip.consortium.models import Institution
from onetrip.core.actors import Actor
from onetrip.identity.models import Patient
from onetrip.publichealth.tests import factories


@dataclass
class Clinic:
    hospital: Institution
    nurse: Actor
    cashier: Actor
    mother: Patient
    child: Patient
    parent: Actor


@pytest.fixture
def clinic(clock, tertiary, make_staff, clerk) -> Clinic:
    factories.vaccination_clinic(tertiary)
    nurse = actor_for(make_staff("vaccinator", tertiary))
    factories.vaccines(nurse)
    mother, child, parent = factories.mother_with_child(clerk)
    return Clinic(
        hospital=tertiary,
        nurse=nurse,
        cashier=actor_for(make_staff("finance", tertiary)),
        mother=mother,
        child=child,
        parent=parent,
    )
