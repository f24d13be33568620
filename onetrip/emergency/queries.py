"""What the indicators (R-EMG-3, `metrics.definitions`) count, read from the runs themselves
(D138): one row per run or per clock, at the institution and on the day the figure belongs to.

- Dispatch time: every run, at the centre that took the call, on the day of the call: seconds
  from the call to the dispatch. A call cancelled before an ambulance was sent has no run and is
  not counted; a run cancelled after dispatch was dispatched and is.
- Response time: every run that reached the scene, by the area type of the call's zone:
  seconds from the call to on scene. A run stood down on the way has no on-scene time and is
  left out.
- Green-channel clocks: every clock of a run's channel whose start and end are both recorded,
  at the receiving hospital (the centre while none is chosen), on the day of the call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone

from onetrip.emergency import clocks
from onetrip.emergency.models import Milestone, Run
from onetrip.emergency.services import moments


class RunFigure(NamedTuple):
    institution_id: int
    day: dt.date
    seconds: int


class ClockFigure(NamedTuple):
    institution_id: int
    day: dt.date
    channel: str
    clock: str
    met: bool


def runs_called(since: dt.datetime, until: dt.datetime) -> QuerySet[Run]:
    return Run.objects.filter(call__received_at__gte=since, call__received_at__lt=until)


def runs_on_scene(since: dt.datetime, until: dt.datetime, area_type: str) -> QuerySet[Run]:
    return runs_called(since, until).filter(
        on_scene_at__isnull=False, call__zone__area_type=area_type
    )


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def dispatch_figures(since: dt.datetime, until: dt.datetime) -> Iterator[RunFigure]:
    for institution_id, received, dispatched in runs_called(since, until).values_list(
        "call__institution_id", "call__received_at", "dispatched_at"
    ):
        yield RunFigure(
            institution_id, _day(received), int((dispatched - received).total_seconds())
        )


def response_figures(since: dt.datetime, until: dt.datetime, area_type: str) -> Iterator[RunFigure]:
    for institution_id, received, on_scene in runs_on_scene(since, until, area_type).values_list(
        "call__institution_id", "call__received_at", "on_scene_at"
    ):
        assert on_scene is not None  # runs_on_scene has one
        yield RunFigure(institution_id, _day(received), int((on_scene - received).total_seconds()))


def runs_with_channel(since: dt.datetime, until: dt.datetime) -> QuerySet[Run]:
    return runs_called(since, until).exclude(call__channel="")


def clock_figures(since: dt.datetime, until: dt.datetime) -> Iterator[ClockFigure]:
    runs = list(runs_with_channel(since, until).select_related("call").order_by("pk"))
    milestones: dict[int, dict[str, Milestone]] = {}
    for milestone in Milestone.objects.filter(run__in=runs):
        milestones.setdefault(milestone.run_id, {})[milestone.code] = milestone
    for run in runs:
        at = moments(run, milestones.get(run.pk, {}))
        institution_id = run.destination_id or run.call.institution_id
        for state in clocks.clock_states(run.call.channel, at, now=run.call.received_at):
            if state.ended_at is not None and state.started_at is not None:
                yield ClockFigure(
                    institution_id,
                    _day(run.call.received_at),
                    run.call.channel,
                    state.clock.code,
                    bool(state.met),
                )
