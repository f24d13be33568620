"""The admission preparation centre's weekly plan (issue 25, decision D196).

`propose_week` turns the institution's bed pool and pending admission notices into an
IHTC-shaped week (`ihtc.week`), runs the same planner as the competition command and
returns one proposed day and room per notice. Nothing is stored: the centre sees the
proposal, may change a patient's day or room, and `accept_week` books the beds through
`services.book_bed` (so the rules, the room lock and the one-holder bed of D150 apply to
each booking), all of the plan or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput
from onetrip.core.models import AuditAction
from onetrip.inpatient import services
from onetrip.inpatient.access import home, require_staff
from onetrip.inpatient.ihtc.solver import solve_instance
from onetrip.inpatient.ihtc.week import WeekPatient, WeekRoom, planned_stays, week_instance
from onetrip.inpatient.models import HOLDING, Admission, AdmissionStatus, Bed, Room

PLAN_DAYS = 7
PLAN_SECONDS = 20.0  # the planner's time limit on the page; the 300-bed week takes < 60 s


@dataclass(frozen=True)
class Proposal:
    """The plan for one notice: a day and room, or none when the week has no bed for it."""

    admission: Admission
    day: dt.date | None
    room: Room | None


@dataclass(frozen=True)
class Choice:
    """What the centre accepts for one notice (the proposal or its own change)."""

    admission_id: int
    day: dt.date
    room_id: int


def pending_notices(*, actor: Actor) -> list[Admission]:
    return list(
        services.admissions_at(actor)
        .filter(status=AdmissionStatus.NOTICE)
        .select_related("patient", "day_surgery")
        .order_by("issued_at", "pk")
    )


def rooms_of(*, actor: Actor) -> list[Room]:
    return list(
        Room.objects.filter(ward__institution_id=home(actor))
        .select_related("ward")
        .order_by("ward__code", "number")
    )


def propose_week(*, actor: Actor, seconds: float | None = None) -> list[Proposal]:
    """Plan this week's admissions of the pending notices into the rooms' free beds.

    Only reads, so the planner runs outside any transaction; the audit of the notices read
    gets its own. The planner gets `seconds`, by default `PLAN_SECONDS`."""
    require_staff(actor, services.MANAGE)
    start = clock.today()
    notices = pending_notices(actor=actor)
    rooms = rooms_of(actor=actor)
    instance = week_instance(
        _week_rooms(rooms), [_week_patient(n, rooms, start) for n in notices], days=PLAN_DAYS
    )
    stays = (
        planned_stays(solve_instance(instance, time_limit=seconds or PLAN_SECONDS, threads=1))
        if notices and rooms
        else {}
    )
    room_by_id = {room.pk: room for room in rooms}
    with transaction.atomic():
        audit.record_many(
            actor,
            AuditAction.VIEW,
            [(notice, notice.patient_id, "weekly admission plan", {}) for notice in notices],
        )
    return [
        Proposal(
            notice,
            start + dt.timedelta(days=stays[notice.pk][0]) if notice.pk in stays else None,
            room_by_id[stays[notice.pk][1]] if notice.pk in stays else None,
        )
        for notice in notices
    ]


def _week_rooms(rooms: list[Room]) -> list[WeekRoom]:
    beds = Bed.objects.filter(room__in=rooms).select_related("holder__patient")
    count: dict[int, int] = {}
    holders: dict[int, list[tuple[str, int]]] = {}
    today = clock.today()
    for bed in beds:
        count[bed.room_id] = count.get(bed.room_id, 0) + 1
        holder = bed.holder
        if holder is not None and holder.status in HOLDING:
            patient = holder.patient
            holders.setdefault(bed.room_id, []).append(
                (patient.sex, services.age_on(patient, today))
            )
    return [
        WeekRoom(room.pk, count.get(room.pk, 0), tuple(holders.get(room.pk, ()))) for room in rooms
    ]


def _week_patient(notice: Admission, rooms: list[Room], start: dt.date) -> WeekPatient:
    return WeekPatient(
        id=notice.pk,
        sex=notice.patient.sex,
        age=services.age_on(notice.patient, start),
        urgency=notice.urgency,
        surgeon=notice.surgeon,
        surgery=bool(notice.planned_procedure or notice.day_surgery_id),
        day_surgery=bool(notice.day_surgery_id),
        rooms=tuple(
            room.pk for room in rooms if not services.room_rule_violations(notice, room, start)
        ),
    )


@transaction.atomic
def accept_week(choices: list[Choice], *, actor: Actor) -> list[Admission]:
    """Book a bed in each chosen room for the chosen day: every booking or none.

    Bookings go in admission order (the lock order of `book_bed`); in each room the first
    free bed whose rules take the patient is booked, so a room the plan fills gets distinct
    beds and a bed taken meanwhile makes the whole acceptance fail with a field message.
    """
    require_staff(actor, services.MANAGE)
    booked = []
    for choice in sorted(choices, key=lambda c: c.admission_id):
        admission = services.admissions_at(actor).filter(pk=choice.admission_id).first()
        if admission is None:
            raise InvalidInput.field(f"admission-{choice.admission_id}", _("No such notice."))
        bed = _free_bed(admission, choice.room_id, choice.day, actor)
        try:
            booked.append(
                services.book_bed(
                    admission.pk, bed_id=bed.pk, expected_date=choice.day, actor=actor
                )
            )
        except InvalidInput as exc:  # the day or the notice's state, said on its row
            raise InvalidInput.field(f"admission-{admission.pk}", exc.message) from exc
    audit.record(
        actor,
        AuditAction.UPDATE,
        Admission,
        summary=f"weekly admission plan accepted ({len(booked)} beds booked)",
    )
    return booked


def _free_bed(admission: Admission, room_id: int, day: dt.date, actor: Actor) -> Bed:
    beds = (
        Bed.objects.filter(
            room_id=room_id, room__ward__institution_id=home(actor), holder__isnull=True
        )
        .select_related("room__ward")
        .order_by("pk")
    )
    for bed in beds:
        if not services.bed_rule_violations(admission, bed, day):
            return bed
    raise InvalidInput.field(
        f"admission-{admission.pk}",
        _("No free bed in this room takes %(patient)s.") % {"patient": admission.patient.name},
    )
