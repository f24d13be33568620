"""The planner's working form of a solution, and its translation to and from the JSON."""

from dataclasses import dataclass, field
from typing import Any

from .instance import SHIFTS_PER_DAY, Instance


@dataclass
class Plan:
    """Admission day, room and theatre per person (None: not admitted), nurse per room-shift.

    Occupants carry their fixed day 0 and room so that every counting loop treats them like
    any admitted patient; they never get a theatre.
    """

    admission: list[int | None]
    room: list[int | None]
    theater: list[int | None]
    nurse: dict[tuple[int, int], int] = field(default_factory=dict)  # (shift, room) -> nurse
    # Assignments a solution file gave a room-shift already covered by another nurse: they
    # still count for the nurse-presence check (a planner never makes them).
    overridden: list[tuple[int, int, int]] = field(default_factory=list)  # (shift, room, nurse)

    @classmethod
    def empty(cls, instance: Instance) -> "Plan":
        count = len(instance.people)
        plan = cls(admission=[None] * count, room=[None] * count, theater=[None] * count)
        for person in instance.occupants:
            plan.admission[person] = 0
            plan.room[person] = instance.people[person].fixed_room
        return plan

    def copy(self) -> "Plan":
        return Plan(list(self.admission), list(self.room), list(self.theater), dict(self.nurse))


def plan_from_solution(instance: Instance, solution: dict[str, Any]) -> Plan:
    plan = Plan.empty(instance)
    person_index = {person.id: index for index, person in enumerate(instance.people)}
    room_index = {room_id: index for index, room_id in enumerate(instance.room_ids)}
    theater_index = {theater_id: index for index, theater_id in enumerate(instance.theater_ids)}
    for entry in solution.get("patients", []):
        person = person_index[entry["id"]]
        if entry.get("admission_day", "none") == "none":
            continue
        plan.admission[person] = int(entry["admission_day"])
        plan.room[person] = room_index[entry["room"]]
        plan.theater[person] = theater_index[entry["operating_theater"]]
    nurse_index = {nurse_id: index for index, nurse_id in enumerate(instance.nurse_ids)}
    for entry in solution.get("nurses", []):
        nurse = nurse_index[entry["id"]]
        for assignment in entry["assignments"]:
            shift = SHIFTS_PER_DAY * assignment["day"] + instance.shift_names.index(
                assignment["shift"]
            )
            for room_id in assignment["rooms"]:
                key = (shift, room_index[room_id])
                if key in plan.nurse:
                    plan.overridden.append((*key, plan.nurse[key]))
                plan.nurse[key] = nurse
    return plan


def solution_from_plan(instance: Instance, plan: Plan) -> dict[str, Any]:
    patients = []
    for person in instance.patients:
        day, room, theater = plan.admission[person], plan.room[person], plan.theater[person]
        entry: dict[str, Any] = {"id": instance.people[person].id, "admission_day": "none"}
        if day is not None and room is not None and theater is not None:
            entry = {
                "id": instance.people[person].id,
                "admission_day": day,
                "room": instance.room_ids[room],
                "operating_theater": instance.theater_ids[theater],
            }
        patients.append(entry)
    rooms_of: dict[tuple[int, int], list[str]] = {}
    for (shift, room), nurse in sorted(plan.nurse.items()):
        rooms_of.setdefault((nurse, shift), []).append(instance.room_ids[room])
    nurses = []
    for nurse, nurse_id in enumerate(instance.nurse_ids):
        assignments = [
            {
                "day": shift // SHIFTS_PER_DAY,
                "shift": instance.shift_names[shift % SHIFTS_PER_DAY],
                "rooms": rooms_of.get((nurse, shift), []),
            }
            for shift in sorted(instance.nurse_max_load[nurse])
            if shift < instance.shifts
        ]
        nurses.append({"id": nurse_id, "assignments": assignments})
    return {"patients": patients, "nurses": nurses}
