"""R-EMG-2/3 on one hand-counted day: dispatch time, response time by area type and the
green-channel clocks, with their traps (a call cancelled before dispatch, a run stood down
before the scene, a run in a zone with no target, a clock never ended, another day)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from onetrip.core import clock as clock_module
from onetrip.emergency import services
from onetrip.emergency.tests.conftest import a_call
from onetrip.metrics import services as metrics
from onetrip.metrics.definitions import Scope
from onetrip.metrics.periods import month_of


def run_at(world, clock, zone, *, dispatch_after: int, on_scene_after: int | None, **answers):
    """A call now, dispatched `dispatch_after` seconds later, on scene `on_scene_after` seconds
    after the call (None: never), leaving and at the hospital a few minutes after."""
    start = clock_module.now()
    call = a_call(world, zone, **answers)
    clock.set(start + dt.timedelta(seconds=dispatch_after))
    run = services.dispatch_nearest(call.pk, actor=world.dispatcher)
    services.choose_destination(run.pk, world.centre.pk, actor=world.crew)
    services.record_moment(run.pk, "wheels_rolling", actor=world.crew)
    if on_scene_after is not None:
        clock.set(start + dt.timedelta(seconds=on_scene_after))
        services.record_moment(run.pk, "on_scene", actor=world.crew)
    clock.set(start + dt.timedelta(hours=1))
    return run


def hand_over(world, run):
    """The patient handed over: the ambulance is free for the next call (three in the world)."""
    services.record_moment(run.pk, "leaving_scene", actor=world.crew)
    services.record_moment(run.pk, "at_hospital", actor=world.crew)


def figures(world, day):
    found = metrics.figures(Scope((world.centre.pk,)), month_of(day))
    return {f.metric.code: f for f in found}


def test_dispatch_response_and_clocks_hand_counted(world, clock):
    day = clock_module.today()
    zones = world.zones
    # Dispatch: 60 + 120 + 240 + 90 = 510 s over 4 runs = 2.125 min (≤ 3: met).
    city_a = run_at(world, clock, zones.city, dispatch_after=60, on_scene_after=600)  # 10 min
    hand_over(world, city_a)
    run_at(world, clock, zones.city, dispatch_after=120, on_scene_after=1200)  # 20 min
    county = run_at(world, clock, zones.county, dispatch_after=240, on_scene_after=540)  # 9 min
    hand_over(world, county)
    # Trap: stood down before reaching the scene: in the dispatch time, not the response time.
    stood_down = run_at(world, clock, zones.city, dispatch_after=90, on_scene_after=None)
    services.cancel_call(stood_down.call_id, reason="呼救者自行就医", actor=world.dispatcher)
    # Trap: a call cancelled before any ambulance was sent: in neither.
    cancelled = a_call(world, zones.city)
    services.cancel_call(cancelled.pk, reason="重复呼救", actor=world.dispatcher)
    # Trap: an island run (no response target), dispatched after 30 s, on scene after 5 min:
    # in the dispatch time (5 runs, 540 s = 1.8 min), in neither response figure.
    run_at(world, clock, zones.island, dispatch_after=30, on_scene_after=300)

    found = figures(world, day)
    dispatch = found["ambulance_dispatch"]
    assert (dispatch.numerator, dispatch.denominator, dispatch.value) == (540, 5, Decimal("1.80"))
    assert dispatch.status == "met"
    city = found["ambulance_response"]
    # (600 + 1200) s over 2 runs = 15 min: on the target (≤ 15).
    assert (city.numerator, city.denominator, city.value, city.status) == (
        1800,
        2,
        Decimal("15.00"),
        "met",
    )
    county_figure = found["ambulance_response_county"]
    assert (county_figure.numerator, county_figure.denominator, county_figure.value) == (
        540,
        1,
        Decimal("9.00"),
    )


def test_green_channel_clock_compliance_hand_counted(world, clock):
    day = clock_module.today()
    start = clock_module.now()
    run = run_at(world, clock, world.zones.city, dispatch_after=60, on_scene_after=600)
    # The run's moments sit at fixed offsets from the call (minutes).
    hand_over(world, run)  # leaving and at the door at call + 60 min

    def at(minutes):
        return start + dt.timedelta(minutes=minutes)

    clock.set(at(200))
    department = world.department
    # fmc_to_ecg: on scene at 10, ECG at 15 → 5 min, met.
    services.record_milestone(run.pk, "ecg", at=at(15), actor=department)
    # ecg_to_diagnosis: 15 → 40 = 25 min, missed (reason given).
    services.record_milestone(
        run.pk, "ecg_diagnosis", at=at(40), delay_reason="心电图传输中断", actor=department
    )
    # door_to_wire: door at 60, wire at 130 → 70 min, met.
    services.record_milestone(run.pk, "wire", at=at(130), actor=department)
    # Trap: cath_lab_activation never started (no activation recorded): not measured.
    services.record_milestone(run.pk, "cath_lab", at=at(100), actor=department)
    # Trap: a stroke call whose clocks never ended: nothing measured.
    run_at(world, clock, world.zones.city, dispatch_after=60, on_scene_after=600, stroke_signs=True)
    # Trap: a call with no green channel.
    run_at(world, clock, world.zones.city, dispatch_after=60, on_scene_after=600, bleeding=True)

    clocks = figures(world, day)["green_channel_clocks"]
    # 2 of 3 measured clocks on target = 66.67% (< 75%: missed).
    assert (clocks.numerator, clocks.denominator, clocks.value, clocks.status) == (
        2,
        3,
        Decimal("66.67"),
        "missed",
    )
