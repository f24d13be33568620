"""Journey API (R-KPI-2): the patient's next steps and a patient's episodes for staff. (Trips
per episode for a period reach the indicators through `services.episode_trips`.)"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Id
from onetrip.journey import services, today
from onetrip.journey.presenters import present_episodes
from onetrip.web.sessions import PatientSession, current_patient_actor

router = Router(tags=["journey"])


class StepOut(Schema):
    kind: str
    patient: str
    title: str
    at: dt.datetime | None
    place: str
    detail: str
    url: str
    is_today: bool


class VisitOut(Schema):
    day: dt.date
    department: str
    waited_minutes: int


class EntryOut(Schema):
    event_id: int
    kind: str
    label: str
    at: dt.datetime
    institution: str
    department: str
    on_site: bool
    detail: str
    reason: str


class EpisodeOut(Schema):
    key: str
    patient_id: int
    institution: str
    department: str
    opened_on: dt.date
    closed: bool
    referral: bool
    trips: int
    trip_days: list[dt.date]
    visits: list[VisitOut]
    mean_waited_minutes: float | None
    timeline: list[EntryOut]


@router.get("/me/today", response=list[StepOut], auth=PatientSession())
def my_today(request: HttpRequest):
    """The signed-in account's next steps, soonest first (today's first)."""
    return today.next_steps(actor=current_patient_actor(request))


@router.get("/patients/{patient_id}/episodes", response=list[EpisodeOut], auth=StaffSession())
def patient_episodes(request: HttpRequest, patient_id: Id):
    """A patient's care episodes, newest first, with trips, waiting and the timeline."""
    _patient, episodes = services.patient_journey(patient_id, actor=api_staff_actor(request))
    return present_episodes(episodes)
