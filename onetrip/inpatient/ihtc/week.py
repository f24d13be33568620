"""A hospital's week as an IHTC instance, and the planner's answer read back (decision D196).

Plain data in and out, no database: `onetrip.inpatient.planning` fills it from the bed pool
and the pending admission notices, the benchmark fills it with a generated hospital.

What OneTrip does not model is derived, as the decision records:
- A bed is held from its booking until its holder leaves (D150), so a bed can only be booked
  while it is free now, and every stay the plan makes runs to the end of the week. Every
  current holder is an occupant for the whole week; every planned patient's stay is the whole
  horizon from the admission day. Room capacity and one sex per room then hold on every day
  exactly when they hold for the bookings themselves.
- Theatres: one per `BEDS_PER_THEATRE` beds, open `THEATRE_MINUTES` every day; a surgeon
  operates at most `SURGEON_MINUTES` a day; a planned procedure takes `SURGERY_MINUTES`
  (`DAY_SURGERY_MINUTES` for day surgery), no procedure none.
- Nurses are not planned: one nurse per shift covers every room and no nurse cost is weighed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

BEDS_PER_THEATRE = 50
THEATRE_MINUTES = 480
SURGEON_MINUTES = 480
SURGERY_MINUTES = 120
DAY_SURGERY_MINUTES = 60
# Urgent notices must be admitted within this many days of the plan's first day, emergencies
# on it; elective ones may wait past the week (they are then not planned).
DUE_DAYS = {"emergency": 0, "urgent": 2}
AGE_GROUPS = (("child", 18), ("adult", 65), ("elderly", 200))
SEXES = {"male": "A", "female": "B", "unknown": "C"}
# The competition's usual weights for what the plan decides; nurse costs are not weighed.
WEIGHTS = {
    "room_mixed_age": 5,
    "room_nurse_skill": 0,
    "continuity_of_care": 0,
    "nurse_eccessive_workload": 0,
    "open_operating_theater": 30,
    "surgeon_transfer": 10,
    "patient_delay": 10,
    "unscheduled_optional": 350,
}
NO_SURGEON = "-"


@dataclass(frozen=True)
class WeekRoom:
    id: int
    beds: int
    holders: tuple[tuple[str, int], ...] = ()  # (sex, age) of who holds a bed now


@dataclass(frozen=True)
class WeekPatient:
    id: int  # the admission notice
    sex: str
    age: int
    urgency: str
    surgeon: str  # "" when no surgeon is named
    surgery: bool
    day_surgery: bool
    rooms: tuple[int, ...]  # rooms whose rules take the patient


def week_instance(rooms: list[WeekRoom], patients: list[WeekPatient], *, days: int) -> dict:
    """The IHTC instance of a week; room ids are "r<id>", patient ids "p<id>"."""
    total_beds = sum(room.beds for room in rooms)
    surgeons = sorted({p.surgeon or NO_SURGEON for p in patients}) or [NO_SURGEON]
    theatres = max(1, math.ceil(total_beds / BEDS_PER_THEATRE))
    return {
        "days": days,
        "skill_levels": 1,
        "shift_types": ["early", "late", "night"],
        "age_groups": [name for name, _below in AGE_GROUPS],
        "weights": dict(WEIGHTS),
        "occupants": [
            _person(f"o{room.id}-{n}", sex, age, days) | {"room_id": f"r{room.id}"}
            for room in rooms
            for n, (sex, age) in enumerate(room.holders)
        ],
        "patients": [_patient(patient, rooms, days) for patient in patients],
        "surgeons": [{"id": s, "max_surgery_time": [SURGEON_MINUTES] * days} for s in surgeons],
        "operating_theaters": [
            {"id": f"t{n}", "availability": [THEATRE_MINUTES] * days} for n in range(theatres)
        ],
        "rooms": [{"id": f"r{room.id}", "capacity": room.beds} for room in rooms],
        "nurses": [
            {
                "id": f"n{shift}",
                "skill_level": 0,
                "working_shifts": [
                    {"day": day, "shift": shift, "max_load": 10**6} for day in range(days)
                ],
            }
            for shift in ("early", "late", "night")
        ],
    }


def _person(person_id: str, sex: str, age: int, length_of_stay: int) -> dict[str, Any]:
    return {
        "id": person_id,
        "gender": SEXES.get(sex, SEXES["unknown"]),
        "age_group": next(name for name, below in AGE_GROUPS if age < below),
        "length_of_stay": length_of_stay,
        "workload_produced": [0] * (3 * length_of_stay),
        "skill_level_required": [0] * (3 * length_of_stay),
    }


def _patient(patient: WeekPatient, rooms: list[WeekRoom], days: int) -> dict[str, Any]:
    allowed = set(patient.rooms)
    minutes = (DAY_SURGERY_MINUTES if patient.day_surgery else SURGERY_MINUTES) * patient.surgery
    entry = _person(f"p{patient.id}", patient.sex, patient.age, days) | {
        "mandatory": patient.urgency in DUE_DAYS,
        "surgery_release_day": 0,
        "surgery_duration": minutes,
        "surgeon_id": patient.surgeon or NO_SURGEON,
        "incompatible_room_ids": [f"r{room.id}" for room in rooms if room.id not in allowed],
    }
    if patient.urgency in DUE_DAYS:
        entry["surgery_due_day"] = min(days - 1, DUE_DAYS[patient.urgency])
    return entry


def planned_stays(solution: dict[str, Any]) -> dict[int, tuple[int, int]]:
    """Admission notice id -> (day of the week, room id) for every patient the plan admits."""
    return {
        int(entry["id"][1:]): (int(entry["admission_day"]), int(entry["room"][1:]))
        for entry in solution["patients"]
        if entry.get("admission_day", "none") != "none"
    }
