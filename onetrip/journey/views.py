"""The patient's "today" page (phone) and the staff episode timeline (desk), R-KPI-2."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onetrip.core.actors import Actor
from onetrip.core.pages import staff_page
from onetrip.identity.presenters import present_patient
from onetrip.journey import services, today
from onetrip.journey.episodes import IDLE_DAYS
from onetrip.journey.presenters import present_episodes
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
