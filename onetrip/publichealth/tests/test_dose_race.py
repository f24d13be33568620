"""Doses taken from a lot at once by several nurses (PostgreSQL): the package's and the lot's
conditional UPDATEs let exactly as many through as there are doses, and the rest are refused
with a clear reason, never a 500 or a negative stock."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.publichealth.models import Dose, TraceCode, VaccineLot
from onetrip.publichealth.services import vaccination
from onetrip.publichealth.tests import factories
from onetrip.publichealth.tests.factories import HEPB_PREFIX, trace_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_nurses_scanning_one_two_dose_vial_give_two_doses(postgres_only, clinic, clerk):
    lot = factories.a_lot(clinic.nurse, packages=1, doses_per_package=2)
    visits = [factories.booked(clinic.child, clinic.parent, clinic.hospital)]
    for serial in range(2, 5):
        person, _child, _parent = factories.mother_with_child(
            clerk, phone=f"138123400{serial:02d}", serial=serial
        )
        visits.append(factories.booked(person, clinic.nurse, clinic.hospital, dose=1))
    for visit in visits:
        factories.screened(visit, clinic.nurse)
    code = trace_code(HEPB_PREFIX, 1)

    def give(visit_id: int):
        return lambda: (
            vaccination.give_dose(
                visit_id, trace_code=code, site="left_deltoid", actor=clinic.nurse
            ).pk
        )

    outcomes = race([give(v.pk) for v in visits])

    given = [o for o in outcomes if isinstance(o, int)]
    assert len(given) == 2
    assert sorted(o for o in outcomes if not isinstance(o, int)) == ["package_used"] * 2
    lot.refresh_from_db()
    assert lot.doses_left == 0
    assert TraceCode.objects.get(code=code).doses_used == 2
    assert Dose.objects.filter(lot=lot).count() == 2


def test_nurses_scanning_the_last_dose_of_a_lot_in_separate_packages(postgres_only, clinic, clerk):
    """Two packages, one dose each: two nurses race for each; the lot never goes below zero."""
    lot = factories.a_lot(clinic.nurse, packages=2, doses_per_package=1)
    VaccineLot.objects.filter(pk=lot.pk).update(doses_left=1)  # one dose was written off
    visits = [factories.booked(clinic.child, clinic.parent, clinic.hospital)]
    person, _child, _parent = factories.mother_with_child(clerk, phone="13812340009", serial=9)
    visits.append(factories.booked(person, clinic.nurse, clinic.hospital, dose=1))
    for visit in visits:
        factories.screened(visit, clinic.nurse)

    outcomes = race(
        [
            lambda v=visit, n=serial: (
                vaccination.give_dose(
                    v.pk,
                    trace_code=trace_code(HEPB_PREFIX, n),
                    site="left_thigh",
                    actor=clinic.nurse,
                ).pk
            )
            for visit, serial in zip(visits, (1, 2), strict=True)
        ]
    )

    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert [o for o in outcomes if not isinstance(o, int)] == ["out_of_stock"]
    assert VaccineLot.objects.get(pk=lot.pk).doses_left == 0
