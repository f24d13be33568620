"""The journey's reads (R-KPI-2): episodes assembled at read time from the domain-event log
(`episodes.py` holds the rule), trips per episode for the indicators, a patient's episodes for
the staff timeline, and the patient's next steps today.

Assembling at read time keeps the rule in one pure function and needs no consumer: nothing to
keep in step, no cursor, no ordering of commits to trust (D38). An episode opened in a period is
found from the full history of the patients with an event in that period, so a period's answer
never depends on where an earlier query stopped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditAction, DomainEvent
from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.journey.episodes import EVENT_COLUMNS, Episode, Event, assemble

PATIENTS_PER_QUERY = 500


@dataclass(frozen=True)
class EpisodeTrips:
    """One care episode as the indicators count it (R-KPI-2)."""

    episode_key: str
    patient_id: int
    institution_id: int | None
    department_id: int | None
    opened_on: dt.date
    trips: int
    visits: int  # outpatient visits called from the queue
    waited_minutes: int  # their queueing time, summed (check-in → called)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _events_of(patient_ids: list[int]) -> Iterator[Event]:
    """The patients' whole event history, grouped by patient, in the order it happened."""
    for offset in range(0, len(patient_ids), PATIENTS_PER_QUERY):
        chunk = patient_ids[offset : offset + PATIENTS_PER_QUERY]
        rows = (
            DomainEvent.objects.filter(patient_id__in=chunk)
            .order_by("patient_id", "occurred_at", "id")
            .values_list(*EVENT_COLUMNS)
        )
        for row in rows.iterator(chunk_size=5000):
            yield Event(*row)


def episodes_opened(
    *, start: dt.date, end: dt.date, institution_id: int | None = None
) -> list[Episode]:
    if end < start:
        raise InvalidInput.field("end", _("The end of the period is before its start."))
    patient_ids = list(
        DomainEvent.objects.filter(
            occurred_at__gte=_day_start(start),
            occurred_at__lt=_day_start(end + dt.timedelta(days=1)),
            patient_id__isnull=False,
        )
        .order_by("patient_id")
        .values_list("patient_id", flat=True)
        .distinct()
    )
    return [
        episode
        for episode in assemble(_events_of(patient_ids))
        if start <= episode.opened_on <= end
        and (institution_id is None or episode.institution_id == institution_id)
    ]


def episode_trips(
    *, start: dt.date, end: dt.date, institution_id: int | None = None
) -> list[EpisodeTrips]:
    """Every care episode opened in [start, end] (at `institution_id`, if given), with its trips:
    the distinct days the patient had to be on site. Ordered by opening, then key."""
    rows = []
    for episode in episodes_opened(start=start, end=end, institution_id=institution_id):
        visits = episode.visits
        rows.append(
            EpisodeTrips(
                episode_key=episode.key,
                patient_id=episode.patient_id,
                institution_id=episode.institution_id,
                department_id=episode.department_id,
                opened_on=episode.opened_on,
                trips=episode.trips,
                visits=len(visits),
                waited_minutes=sum(visit.waited_minutes for visit in visits),
            )
        )
    rows.sort(key=lambda row: (row.opened_on, row.episode_key))
    return rows


@transaction.atomic
def patient_journey(patient_id: int, *, actor: Actor) -> tuple[Patient, list[Episode]]:
    """A patient and their episodes, newest first, for the staff timeline; the view is
    audited (R-ORG-3)."""
    actor.require_perm("identity.view_patient")
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    audit.record(actor, AuditAction.VIEW, patient, patient_id=patient.pk, summary="care journey")
    return patient, list(reversed(list(assemble(_events_of([patient.pk])))))
