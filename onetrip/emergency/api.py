"""Emergency API (R-EMG-1): the dispatcher's board, taking a call, dispatching, and the crew's
run timestamps, for a 120 centre's own dispatch console or the crew's tablet."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Id
from onetrip.emergency import services
from onetrip.emergency.models import Run

router = Router(tags=["emergency"], auth=StaffSession())


class RecommendationOut(Schema):
    ambulance_id: int
    call_sign: str
    minutes: int


class CallOut(Schema):
    id: int
    received_at: dt.datetime
    priority: int
    channel: str
    zone: str
    complaint: str
    status: str
    recommendations: list[RecommendationOut] = []


class RunOut(Schema):
    id: int
    call_id: int
    ambulance: str
    dispatched_at: dt.datetime
    wheels_rolling_at: dt.datetime | None
    on_scene_at: dt.datetime | None
    leaving_scene_at: dt.datetime | None
    at_hospital_at: dt.datetime | None
    destination_id: int | None
    closed: bool
    cancelled: bool


class AmbulanceOut(Schema):
    id: int
    call_sign: str
    status: str


class BoardOut(Schema):
    open_calls: list[CallOut]
    runs: list[RunOut]
    ambulances: list[AmbulanceOut]


class CallIn(Schema):
    caller_phone: str
    caller_name: str = ""
    zone_id: Id
    address: str
    complaint: str
    answers: dict[str, bool] = {}


class DispatchIn(Schema):
    ambulance_id: Id | None = None  # none: the nearest free one


class MomentIn(Schema):
    moment: str


def _run(run: Run) -> RunOut:
    return RunOut(
        id=run.pk,
        call_id=run.call_id,
        ambulance=run.ambulance.call_sign,
        dispatched_at=run.dispatched_at,
        wheels_rolling_at=run.wheels_rolling_at,
        on_scene_at=run.on_scene_at,
        leaving_scene_at=run.leaving_scene_at,
        at_hospital_at=run.at_hospital_at,
        destination_id=run.destination_id,
        closed=run.closed,
        cancelled=run.cancelled,
    )


@router.get("/board", response=BoardOut)
def board(request: HttpRequest):
    """Open calls by priority with the recommended ambulances, runs under way, the fleet."""
    found = services.board(actor=api_staff_actor(request))
    return BoardOut(
        open_calls=[
            CallOut(
                id=item.call.pk,
                received_at=item.call.received_at,
                priority=item.call.priority,
                channel=item.call.channel,
                zone=item.call.zone.name,
                complaint=item.call.complaint,
                status=item.call.status,
                recommendations=[
                    RecommendationOut(
                        ambulance_id=r.ambulance.pk,
                        call_sign=r.ambulance.call_sign,
                        minutes=r.minutes,
                    )
                    for r in item.recommendations
                ],
            )
            for item in found.open_calls
        ],
        runs=[_run(run) for run in found.runs],
        ambulances=[
            AmbulanceOut(id=a.pk, call_sign=a.call_sign, status=a.status) for a in found.ambulances
        ],
    )


@router.post("/calls", response={201: CallOut})
def take_call(request: HttpRequest, body: CallIn):
    """Take a call: its triage answers give the priority and the green channel."""
    call = services.take_call(services.CallIn(**body.dict()), actor=api_staff_actor(request))
    out = CallOut(
        id=call.pk,
        received_at=call.received_at,
        priority=call.priority,
        channel=call.channel,
        zone=call.zone.name,
        complaint=call.complaint,
        status=call.status,
    )
    return Status(201, out)


@router.post("/calls/{call_id}/dispatch", response={201: RunOut})
def dispatch(request: HttpRequest, call_id: Id, body: DispatchIn):
    """Dispatch an ambulance (409 when it was just taken, or the call already has one)."""
    actor = api_staff_actor(request)
    if body.ambulance_id is None:
        run = services.dispatch_nearest(call_id, actor=actor)
    else:
        run = services.dispatch(call_id, body.ambulance_id, actor=actor)
    return Status(201, _run(run))


@router.post("/runs/{run_id}/moments", response=RunOut)
def record_moment(request: HttpRequest, run_id: Id, body: MomentIn):
    """Record wheels_rolling, on_scene, leaving_scene or at_hospital, now (each once, in order)."""
    return _run(services.record_moment(run_id, body.moment, actor=api_staff_actor(request)))
