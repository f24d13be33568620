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
from onetrip.journey.episodes import EVENT_COLUMNS, KINDS, Episode, Event, assemble

PATIENTS_PER_QUERY = 500
EPISODE_KINDS = KINDS  # the event kinds that make or change an episode


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


def _events_of(patient_ids: list[int], before: dt.datetime | None = None) -> Iterator[Event]:
    """The patients' event history (of the kinds the assembly reads; all of it, or what occurred
    before `before`), grouped by patient, in the order it happened."""
    for offset in range(0, len(patient_ids), PATIENTS_PER_QUERY):
        chunk = patient_ids[offset : offset + PATIENTS_PER_QUERY]
        events = DomainEvent.objects.filter(patient_id__in=chunk, kind__in=KINDS)
        if before is not None:
            events = events.filter(occurred_at__lt=before)
        rows = events.order_by("patient_id", "occurred_at", "id").values_list(*EVENT_COLUMNS)
        for row in rows.iterator(chunk_size=5000):
            yield Event(*row)


def _episodes_opened(start: dt.date, end: dt.date, institution_id: int | None) -> Iterator[Episode]:
    """One patient at a time, so a year of a city's episodes never sits in memory at once (the
    rollup of a year's closed days reads them all)."""
    patient_ids = _patients_with_events(_day_start(start), _day_start(end + dt.timedelta(days=1)))
    for episode in assemble(_events_of(patient_ids)):
        if start <= episode.opened_on <= end and (
            institution_id is None or episode.institution_id == institution_id
        ):
            yield episode


def _patients_with_events(since: dt.datetime, until: dt.datetime | None) -> list[int]:
    events = DomainEvent.objects.filter(
        kind__in=KINDS, occurred_at__gte=since, patient_id__isnull=False
    )
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    return list(events.order_by("patient_id").values_list("patient_id", flat=True).distinct())


def episode_trips(
    *, start: dt.date, end: dt.date, institution_id: int | None = None
) -> list[EpisodeTrips]:
    """Every care episode opened in [start, end] (at `institution_id`, if given), with its trips:
    the distinct days the patient had to be on site. Ordered by opening, then key."""
    if end < start:
        raise InvalidInput.field("end", _("The end of the period is before its start."))
    rows = [_trips_of(episode) for episode in _episodes_opened(start, end, institution_id)]
    rows.sort(key=lambda row: (row.opened_on, row.episode_key))
    return rows


def _trips_of(episode: Episode) -> EpisodeTrips:
    visits = episode.visits
    return EpisodeTrips(
        episode_key=episode.key,
        patient_id=episode.patient_id,
        institution_id=episode.institution_id,
        department_id=episode.department_id,
        opened_on=episode.opened_on,
        trips=episode.trips,
        visits=len(visits),
        waited_minutes=sum(visit.waited_minutes for visit in visits),
    )


@dataclass(frozen=True)
class EpisodeChange:
    """What the events of since … until changed in the care episodes opened on since's day: the
    episodes of the patients concerned as they stood before `since`, and as they stand before
    `until` (no `until`: with everything recorded). Every other patient's episodes are as they
    were, for a patient's episodes follow from that patient's events alone."""

    before: list[EpisodeTrips]
    after: list[EpisodeTrips]


def episodes_changed(*, since: dt.datetime, until: dt.datetime | None) -> EpisodeChange:
    """The change the events of since … until made to the episodes opened on since's day, so
    that a day's episodes can be counted step by step as its events arrive (D238)."""
    day = timezone.localdate(since)
    history = list(_events_of(_patients_with_events(since, until), until))
    after = [e for e in assemble(history) if e.opened_on == day]
    before: list[Episode] = []
    if since > _day_start(day):  # before the day began, none of its episodes was open
        earlier = (event for event in history if event.occurred_at < since)
        before = [e for e in assemble(earlier) if e.opened_on == day]
    return EpisodeChange([_trips_of(e) for e in before], [_trips_of(e) for e in after])


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
