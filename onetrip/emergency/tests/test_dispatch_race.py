"""No ambulance dispatched twice under concurrency (PostgreSQL row locks and conditional
UPDATEs): dispatchers racing for one ambulance, for one call, and for the nearest free one."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.emergency import services
from onetrip.emergency.models import Ambulance, AmbulanceStatus, Run
from onetrip.emergency.tests.conftest import a_call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


def test_two_calls_racing_for_one_ambulance_get_it_once(world):
    calls = [a_call(world) for _ in range(6)]
    outcomes = race(
        [
            lambda call=call: (
                services.dispatch(call.pk, world.city_ambulance.pk, actor=world.dispatcher).pk
            )
            for call in calls
        ]
    )
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["ambulance_busy"] * 5
    assert Run.objects.filter(ambulance=world.city_ambulance).count() == 1


def test_one_call_dispatched_by_two_dispatchers_gets_one_run(world):
    call = a_call(world)
    outcomes = race(
        [
            lambda: services.dispatch(call.pk, world.city_ambulance.pk, actor=world.dispatcher).pk,
            lambda: services.dispatch(call.pk, world.spare_ambulance.pk, actor=world.dispatcher).pk,
        ]
    )
    assert sorted(map(str, outcomes))[-1] == "conflict"
    assert Run.objects.filter(call=call).count() == 1
    assert Ambulance.objects.filter(status=AmbulanceStatus.ON_RUN).count() == 1


def test_nearest_dispatch_under_a_rush_sends_each_ambulance_once(world):
    calls = [a_call(world) for _ in range(8)]
    outcomes = race(
        [
            lambda call=call: services.dispatch_nearest(call.pk, actor=world.dispatcher).pk
            for call in calls
        ]
    )
    runs = Run.objects.all()
    # Three ambulances: three runs, each a different ambulance; the rest told none is free.
    assert runs.count() == 3
    assert len(set(runs.values_list("ambulance_id", flat=True))) == 3
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["none_free"] * 5
