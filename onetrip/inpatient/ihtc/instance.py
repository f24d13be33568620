"""An IHTC instance turned into integer-indexed arrays the evaluator and solver share.

Days are 0..D-1, shifts 0..3D-1 (shift = 3*day + shift type). Patients come first, then
occupants (fixed admission day 0 and fixed room), so one index space covers everyone who
lies in a bed.
"""

from dataclasses import dataclass, field
from typing import Any

SHIFTS_PER_DAY = 3


@dataclass
class Person:
    """A patient to plan or an occupant already in a bed."""

    id: str
    is_occupant: bool
    mandatory: bool
    gender: str
    age: int
    length_of_stay: int
    release_day: int
    due_day: int  # last allowed admission day (D-1 for optional patients)
    surgery_duration: int
    surgeon: int
    compatible_rooms: list[int]
    workload: list[int]
    skill_required: list[int]
    fixed_room: int | None = None


@dataclass
class Instance:
    days: int
    shift_names: list[str]
    weights: dict[str, int]
    people: list[Person]
    room_ids: list[str]
    room_capacity: list[int]
    theater_ids: list[str]
    theater_capacity: list[list[int]]  # [theater][day] minutes
    surgeon_ids: list[str]
    surgeon_capacity: list[list[int]]  # [surgeon][day] minutes
    nurse_ids: list[str]
    nurse_skill: list[int]
    nurse_max_load: list[dict[int, int]]  # [nurse] shift -> max load, only shifts worked
    nurses_on_shift: list[list[int]] = field(default_factory=list)  # [shift] -> nurses

    @property
    def shifts(self) -> int:
        return self.days * SHIFTS_PER_DAY

    @property
    def patients(self) -> list[int]:
        return [i for i, person in enumerate(self.people) if not person.is_occupant]

    @property
    def occupants(self) -> list[int]:
        return [i for i, person in enumerate(self.people) if person.is_occupant]

    def stay_days(self, person: int, admission: int) -> range:
        """The days of the horizon a person admitted on `admission` lies in a bed."""
        end = min(self.days, admission + self.people[person].length_of_stay)
        return range(admission, end)


def parse_instance(raw: dict[str, Any]) -> Instance:
    days = raw["days"]
    shift_names = raw["shift_types"]
    ages = {name: index for index, name in enumerate(raw["age_groups"])}
    room_ids = [room["id"] for room in raw["rooms"]]
    room_index = {room_id: index for index, room_id in enumerate(room_ids)}
    surgeon_ids = [surgeon["id"] for surgeon in raw["surgeons"]]
    surgeon_index = {surgeon_id: index for index, surgeon_id in enumerate(surgeon_ids)}
    people = [_patient(p, days, ages, room_index, surgeon_index) for p in raw["patients"]]
    people += [_occupant(o, ages, room_index) for o in raw["occupants"]]
    instance = Instance(
        days=days,
        shift_names=shift_names,
        weights=dict(raw["weights"]),
        people=people,
        room_ids=room_ids,
        room_capacity=[room["capacity"] for room in raw["rooms"]],
        theater_ids=[theater["id"] for theater in raw["operating_theaters"]],
        theater_capacity=[list(t["availability"]) for t in raw["operating_theaters"]],
        surgeon_ids=surgeon_ids,
        surgeon_capacity=[list(s["max_surgery_time"]) for s in raw["surgeons"]],
        nurse_ids=[nurse["id"] for nurse in raw["nurses"]],
        nurse_skill=[nurse["skill_level"] for nurse in raw["nurses"]],
        nurse_max_load=[_roster(nurse, shift_names) for nurse in raw["nurses"]],
    )
    instance.nurses_on_shift = [[] for _ in range(instance.shifts)]
    for nurse, roster in enumerate(instance.nurse_max_load):
        for shift in roster:
            if shift < instance.shifts:
                instance.nurses_on_shift[shift].append(nurse)
    return instance


def _patient(
    raw: dict[str, Any],
    days: int,
    ages: dict[str, int],
    room_index: dict[str, int],
    surgeon_index: dict[str, int],
) -> Person:
    incompatible = {room_index[room_id] for room_id in raw["incompatible_room_ids"]}
    return Person(
        id=raw["id"],
        is_occupant=False,
        mandatory=raw["mandatory"],
        gender=raw["gender"],
        age=ages[raw["age_group"]],
        length_of_stay=raw["length_of_stay"],
        release_day=raw["surgery_release_day"],
        due_day=min(raw.get("surgery_due_day", days - 1), days - 1),
        surgery_duration=raw["surgery_duration"],
        surgeon=surgeon_index[raw["surgeon_id"]],
        compatible_rooms=[r for r in range(len(room_index)) if r not in incompatible],
        workload=list(raw["workload_produced"]),
        skill_required=list(raw["skill_level_required"]),
    )


def _occupant(raw: dict[str, Any], ages: dict[str, int], room_index: dict[str, int]) -> Person:
    room = room_index[raw["room_id"]]
    return Person(
        id=raw["id"],
        is_occupant=True,
        mandatory=True,
        gender=raw["gender"],
        age=ages[raw["age_group"]],
        length_of_stay=raw["length_of_stay"],
        release_day=0,
        due_day=0,
        surgery_duration=0,
        surgeon=-1,
        compatible_rooms=[room],
        workload=list(raw["workload_produced"]),
        skill_required=list(raw["skill_level_required"]),
        fixed_room=room,
    )


def _roster(raw: dict[str, Any], shift_names: list[str]) -> dict[int, int]:
    return {
        SHIFTS_PER_DAY * ws["day"] + shift_names.index(ws["shift"]): ws["max_load"]
        for ws in raw["working_shifts"]
    }
