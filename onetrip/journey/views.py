"""The patient's "today" page (phone), the staff episode timeline and the reform's outcome
figures (desk), R-KPI-2."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.pages import staff_page
from onetrip.identity.presenters import present_patient
from onetrip.journey import services, today
from onetrip.journey.episodes import IDLE_DAYS
from onetrip.journey.presenters import present_episodes
from onetrip.reports import services as reports
from onetrip.web.sessions import patient_page


@patient_page
def patient_today(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    steps = today.next_steps(actor=actor)
    context = {
        "today": [s for s in steps if s.is_today],
        "later": [s for s in steps if not s.is_today],
    }
    return render(request, "journey/today.html", context)


@staff_page("identity.view_patient")
def staff_timeline(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    patient, episodes = services.patient_journey(patient_id, actor=actor)
    context = {
        "patient": present_patient(patient, actor=actor),
        "episodes": present_episodes(episodes),
        "idle_days": IDLE_DAYS,
    }
    return render(request, "journey/timeline.html", context)


@staff_page("metrics.view_indicators")
def staff_outcomes(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The reform's two outcome figures over the last 30 days at the actor's institution: trips
    per care episode (R-KPI-2) and repeat exams avoided by mutual recognition (R-EXAM-5)."""
    end = clock.today()
    start = end - dt.timedelta(days=29)
    episodes = services.episode_trips(start=start, end=end, institution_id=actor.institution_id)
    # An episode with no trip yet (a booking ahead) is not counted: it would pull the mean down
    # (issue 13, D93), as on the indicators dashboard.
    episodes = [e for e in episodes if e.trips]
    one_trip = sum(1 for e in episodes if e.trips <= 1)
    repeats = reports.repeat_exam_counts(start, end, institution_id=actor.institution_id)
    context = {
        "start": start,
        "end": end,
        "episodes": len(episodes),
        "mean_trips": (sum(e.trips for e in episodes) / len(episodes)) if episodes else None,
        "one_trip": one_trip,
        "repeats": repeats,
    }
    return render(request, "journey/outcomes.html", context)
