"""Calls, triage, recommendation, dispatch and the run's timestamps."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.emergency import services, triage
from onetrip.emergency.models import AmbulanceStatus, CallStatus, RoadTime
from onetrip.emergency.tests.conftest import a_call, a_run


def test_triage_gives_priority_and_channel_from_the_answers():
    assert triage.triage({}).priority == 3
    assert triage.triage({"bleeding": True}) == triage.Triage(
        2, "", {**dict.fromkeys(triage.QUESTION_CODES, False), "bleeding": True}
    )
    stroke = triage.triage({"stroke_signs": True, "breathing_difficulty": True})
    assert (stroke.priority, stroke.channel) == (1, "stroke")
    # The first green channel in question order wins: a collision with chest pain is chest pain.
    both = triage.triage({"major_trauma": True, "chest_pain": True})
    assert both.channel == "chest_pain"


def test_a_call_is_triaged_and_refused_whole_on_bad_input(world):
    call = a_call(world, maternal_critical=True)
    assert (call.priority, call.channel, call.status) == (1, "maternal", CallStatus.OPEN)
    with pytest.raises(InvalidInput) as refused:
        services.take_call(
            services.CallIn(
                caller_phone="x", zone_id=world.zones.city.pk, address="", complaint="胸痛"
            ),
            actor=world.dispatcher,
        )
    assert {e.field for e in refused.value.errors} == {"caller_phone", "address"}
    with pytest.raises(NotFound):  # not a zone of this centre
        services.take_call(
            services.CallIn(caller_phone="120", zone_id=0, address="x", complaint="x"),
            actor=world.dispatcher,
        )


def test_only_dispatchers_take_calls(world):
    with pytest.raises(PermissionDenied):
        a_call(world.__class__(**{**world.__dict__, "dispatcher": world.crew}))


def test_recommendation_is_the_nearest_free_ambulance_by_road_time(world):
    county_call = a_call(world, world.zones.county)
    first = services.recommend(county_call)
    assert [(r.ambulance.call_sign, r.minutes) for r in first] == [
        ("120-02", 5),
        ("120-01", 25),  # the table holds city → county; the way back is taken as equal
        ("120-03", 25),
    ]
    services.dispatch(county_call.pk, world.county_ambulance.pk, actor=world.dispatcher)
    island_call = a_call(world, world.zones.island)
    # The county ambulance is on a run: the two city ones remain, 70 minutes away.
    assert [r.ambulance.call_sign for r in services.recommend(island_call)] == ["120-01", "120-03"]
    RoadTime.objects.filter(origin=world.zones.city, destination=world.zones.island).delete()
    assert services.recommend(island_call) == []  # no road in the table: unreachable


def test_dispatch_takes_the_ambulance_once(world):
    call = a_call(world)
    run = services.dispatch(call.pk, world.city_ambulance.pk, actor=world.dispatcher)
    world.city_ambulance.refresh_from_db()
    assert world.city_ambulance.status == AmbulanceStatus.ON_RUN
    assert run.call.status == CallStatus.DISPATCHED
    with pytest.raises(DomainError) as again:
        services.dispatch(call.pk, world.spare_ambulance.pk, actor=world.dispatcher)
    assert again.value.status == 409
    other = a_call(world)
    with pytest.raises(services.AmbulanceBusy):
        services.dispatch(other.pk, world.city_ambulance.pk, actor=world.dispatcher)
    # The nearest free one instead: the spare at the city base.
    assert services.dispatch_nearest(other.pk, actor=world.dispatcher).ambulance.call_sign == (
        "120-03"
    )


def test_run_times_are_recorded_once_and_in_order(world, clock):
    run = a_run(world)
    with pytest.raises(DomainError) as early:
        services.record_moment(run.pk, "on_scene", actor=world.crew)
    assert early.value.code == "out_of_order"
    for minutes, moment in enumerate(services.CREW_MOMENTS, start=1):
        clock.advance(dt.timedelta(minutes=minutes))
        services.record_moment(run.pk, moment, actor=world.crew)
    with pytest.raises(DomainError) as twice:
        services.record_moment(run.pk, "on_scene", actor=world.crew)
    assert twice.value.code == "already_recorded"
    run.refresh_from_db()
    assert run.closed
    assert run.on_scene_at - run.dispatched_at == dt.timedelta(minutes=3)
    world.city_ambulance.refresh_from_db()
    assert world.city_ambulance.status == AmbulanceStatus.AVAILABLE  # handed over: free again


def test_a_cancelled_call_frees_its_ambulance_and_refuses_times(world):
    run = a_run(world)
    services.record_moment(run.pk, "wheels_rolling", actor=world.crew)
    services.cancel_call(run.call_id, reason="呼救者来电取消", actor=world.dispatcher)
    run.refresh_from_db()
    assert run.cancelled
    assert run.closed
    assert run.wheels_rolling_at is not None
    assert run.ambulance.__class__.objects.get(pk=run.ambulance_id).status == "available"
    with pytest.raises(DomainError) as refused:
        services.record_moment(run.pk, "on_scene", actor=world.crew)
    assert refused.value.code == "cancelled"


def test_the_board_lists_open_calls_with_recommendations_and_runs(world):
    waiting = a_call(world, world.zones.county, not_breathing=True)
    run = a_run(world)
    board = services.board(actor=world.dispatcher)
    assert [c.call.pk for c in board.open_calls] == [waiting.pk]
    assert board.open_calls[0].recommendations[0].ambulance.call_sign == "120-02"
    assert [r.pk for r in board.runs] == [run.pk]
    with pytest.raises(PermissionDenied):
        services.board(actor=world.crew)


def test_the_board_reads_the_same_few_queries_however_many_calls_wait(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a_call(world)
    with CaptureQueriesContext(connection) as one:
        services.board(actor=world.dispatcher)
    for zone in (world.zones.city, world.zones.county, world.zones.island) * 3:
        a_call(world, zone)
    with CaptureQueriesContext(connection) as ten:
        board = services.board(actor=world.dispatcher)
    assert len(board.open_calls) == 10
    assert len(ten.captured_queries) == len(one.captured_queries)
