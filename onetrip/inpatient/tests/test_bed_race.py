"""No bed is given twice under concurrency (PostgreSQL, D150): the centre's desks book the same
bed for different patients at once; two patients of different sex take the two free beds of
one empty room at once; the same patient is admitted twice at once."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import race
from onetrip.inpatient import services
from onetrip.inpatient.models import Admission, AdmissionStatus, Bed, BedMove
from onetrip.inpatient.tests.conftest import bed, booked, notice, person

pytestmark = pytest.mark.django_db(transaction=True)
DAY = dt.date(2026, 11, 25)


def test_one_bed_booked_at_four_desks_goes_to_one_patient(
    postgres_only, clock, doctor, centre, register, ward
):
    the_bed = bed(ward, "01", "A")
    notices = [notice(doctor, person(register, n)) for n in range(4)]
    outcomes = race(
        [
            lambda a=a: (
                services.book_bed(a.pk, bed_id=the_bed.pk, expected_date=DAY, actor=centre).pk
            )
            for a in notices
        ]
    )
    winners = [o for o in outcomes if isinstance(o, int)]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes if not isinstance(o, int)) == ["bed_taken"] * 3
    assert Bed.objects.get(pk=the_bed.pk).holder_id == winners[0]
    assert Admission.objects.filter(status=AdmissionStatus.BOOKED).count() == 1
    assert BedMove.objects.count() == 1


def test_a_man_and_a_woman_cannot_share_an_empty_room_at_once(
    postgres_only, clock, doctor, centre, register, ward
):
    man = notice(doctor, person(register, 1))
    woman = notice(doctor, person(register, 2, sex="female"))
    outcomes = race(
        [
            lambda: (
                services.book_bed(
                    man.pk, bed_id=bed(ward, "01", "A").pk, expected_date=DAY, actor=centre
                ).pk
            ),
            lambda: (
                services.book_bed(
                    woman.pk, bed_id=bed(ward, "01", "B").pk, expected_date=DAY, actor=centre
                ).pk
            ),
        ]
    )
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert [o for o in outcomes if not isinstance(o, int)] == ["invalid"]
    held = Bed.objects.filter(room__ward=ward, room__number="01", holder__isnull=False)
    assert held.count() == 1


def test_admitting_twice_at_once_admits_once(postgres_only, clock, doctor, centre, patient, ward):
    admission = booked(doctor, centre, patient, bed(ward, "01", "A"))
    outcomes = race(
        [
            lambda: (
                services.admit(
                    admission.pk, kind="code", value=str(patient.pk), actor=centre
                ).admission_number
            )
        ]
        * 3
    )
    assert outcomes.count(f"ZY20261123{admission.pk:05d}") == 1, outcomes
    assert outcomes.count("wrong_state") == 2
    assert Admission.objects.get(pk=admission.pk).bill.charges.count() == 1
