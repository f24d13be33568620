"""No item is lent twice (issue 21): desks lending one wheelchair at the same moment open one
loan, and the others get a clear refusal, never a database error. PostgreSQL row locks."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.service.models import Loan
from onetrip.service.services import lending
from onetrip.service.tests.conftest import a_wheelchair

pytestmark = pytest.mark.django_db(transaction=True)


def test_desks_lending_one_wheelchair_at_once_open_one_loan(postgres_only, centre):
    chair = a_wheelchair(centre.hospital)

    def lend():
        return lending.lend(
            equipment_id=chair.pk, patient_id=centre.patient.pk, actor=centre.window
        ).pk

    outcomes = race([lend for _ in range(5)])
    assert len([o for o in outcomes if isinstance(o, int)]) == 1, outcomes
    assert sorted(o for o in outcomes if not isinstance(o, int)) == ["already_lent"] * 4
    assert Loan.objects.filter(equipment=chair).count() == 1
