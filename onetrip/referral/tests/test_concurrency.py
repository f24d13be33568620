"""Family doctors referring patients into the same reserved primary-care time at the same moment
(R-REF-1, R-APPT-3): the slot's units open to primary care go to exactly as many referrals, each
other referral is refused as full with nothing written, every referral holds its booking and the
pool counters match the bookings. The same form sent twice at once makes one referral. Needs
PostgreSQL's row locks."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.referral.models import Referral
from onetrip.referral.tests.conftest import primary_care_slot, refer
from onetrip.scheduling.models import ACTIVE_STATUSES, Appointment
from onetrip.scheduling.tests.helpers import assert_counters_match_bookings, person

pytestmark = pytest.mark.django_db(transaction=True)


def test_referrals_racing_for_one_reserved_time_get_exactly_its_open_units(
    postgres_only,
    care,
    register,
):
    slot = primary_care_slot(care, days_ahead=4)
    # Primary care draws on its own pool, then on the shared online pool.
    open_units = sum(
        p.capacity for p in slot.pools.filter(kind__in=("primary_care", "shared_online"))
    )
    patients = [person(register, n, actor=care.township_registration) for n in range(1, 7)]
    assert open_units < len(patients)

    outcomes = race([lambda p=p: refer(care, slot, patient_id=p.pk).pk for p in patients])

    made = [o for o in outcomes if isinstance(o, int)]
    assert len(made) == open_units
    assert sorted(o for o in outcomes if not isinstance(o, int)) == ["full"] * (
        len(patients) - open_units
    )
    assert Referral.objects.count() == open_units
    bookings = Appointment.objects.filter(slot=slot, status__in=ACTIVE_STATUSES)
    assert set(bookings.values_list("pk", flat=True)) == set(
        Referral.objects.values_list("appointment_id", flat=True)
    )
    assert_counters_match_bookings()


def test_the_same_referral_form_sent_twice_at_once_makes_one_referral(
    postgres_only,
    care,
):
    slot = primary_care_slot(care, days_ahead=4)
    outcomes = race([lambda: refer(care, slot, idempotency_key="form-7").pk] * 2)
    assert outcomes[0] == outcomes[1]
    assert isinstance(outcomes[0], int)
    assert Referral.objects.count() == 1
    assert Appointment.objects.count() == 1
    assert_counters_match_bookings()
