"""Violations and costs of a solution, counted as the specification (and its validator) does.

Hard constraints are counted in the validator's units: overtime and over-capacity in minutes
and beds beyond the limit, everything else one per offending patient, room-day or room-shift.
Soft costs are reported weighted, under the validator's names.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .instance import SHIFTS_PER_DAY, Instance, parse_instance
from .plan import Plan, plan_from_solution

COST_WEIGHT = {
    "RoomAgeMix": "room_mixed_age",
    "RoomSkillLevel": "room_nurse_skill",
    "ContinuityOfCare": "continuity_of_care",
    "ExcessiveNurseWorkload": "nurse_eccessive_workload",
    "OpenOperatingRoom": "open_operating_theater",
    "SurgeonTransfer": "surgeon_transfer",
    "PatientDelay": "patient_delay",
    "ElectiveUnscheduledPatients": "unscheduled_optional",
}


@dataclass
class Evaluation:
    violations: dict[str, int]
    costs: dict[str, int]  # weighted

    @property
    def total_violations(self) -> int:
        return sum(self.violations.values())

    @property
    def total_cost(self) -> int:
        return sum(self.costs.values())

    def report(self) -> str:
        lines = ["VIOLATIONS:"]
        lines += [f"{name:.<34}{value}" for name, value in self.violations.items()]
        lines += [f"Total violations = {self.total_violations}", "", "COSTS (weighted):"]
        lines += [f"{name:.<34}{value}" for name, value in self.costs.items()]
        lines.append(f"Total cost = {self.total_cost}")
        return "\n".join(lines)


def evaluate(raw_instance: dict[str, Any], solution: dict[str, Any]) -> Evaluation:
    instance = parse_instance(raw_instance)
    return evaluate_plan(instance, plan_from_solution(instance, solution))


def evaluate_plan(instance: Instance, plan: Plan) -> Evaluation:
    occupancy = _room_day_occupancy(instance, plan)
    violations = {
        "RoomGenderMix": _gender_mix(instance, occupancy),
        "PatientRoomCompatibility": _incompatible_rooms(instance, plan),
        "SurgeonOvertime": _surgeon_overtime(instance, plan),
        "OperatingTheaterOvertime": _theater_overtime(instance, plan),
        "MandatoryUnscheduledPatients": _unscheduled(instance, plan, mandatory=True),
        "AdmissionDay": _admission_day(instance, plan),
        "RoomCapacity": _room_capacity(instance, occupancy),
        "NursePresence": _nurse_presence(instance, plan),
        "UncoveredRoom": _uncovered_rooms(instance, occupancy, plan),
    }
    raw_costs = {
        "RoomAgeMix": _age_mix(instance, occupancy),
        **_nurse_costs(instance, plan),
        "OpenOperatingRoom": len(_theater_day_load(instance, plan)),
        "SurgeonTransfer": _surgeon_transfers(instance, plan),
        "PatientDelay": _delay(instance, plan),
        "ElectiveUnscheduledPatients": _unscheduled(instance, plan, mandatory=False),
    }
    costs = {name: raw_costs[name] * instance.weights[COST_WEIGHT[name]] for name in COST_WEIGHT}
    return Evaluation(violations, costs)


def _admitted(instance: Instance, plan: Plan) -> list[int]:
    return [p for p in range(len(instance.people)) if plan.admission[p] is not None]


def _room_day_occupancy(instance: Instance, plan: Plan) -> dict[tuple[int, int], list[int]]:
    occupancy: dict[tuple[int, int], list[int]] = defaultdict(list)
    for person in _admitted(instance, plan):
        day, room = plan.admission[person], plan.room[person]
        assert day is not None
        assert room is not None
        for stay_day in instance.stay_days(person, day):
            occupancy[(room, stay_day)].append(person)
    return occupancy


def _gender_mix(instance: Instance, occupancy: dict[tuple[int, int], list[int]]) -> int:
    # The validator counts the minority of a mixed room-day, so two A's and one B count one.
    total = 0
    for people in occupancy.values():
        genders: dict[str, int] = defaultdict(int)
        for person in people:
            genders[instance.people[person].gender] += 1
        if len(genders) > 1:
            total += min(genders.values())
    return total


def _incompatible_rooms(instance: Instance, plan: Plan) -> int:
    return sum(
        1
        for person in _admitted(instance, plan)
        if plan.room[person] not in instance.people[person].compatible_rooms
    )


def _surgeon_day_load(instance: Instance, plan: Plan) -> dict[tuple[int, int], int]:
    load: dict[tuple[int, int], int] = defaultdict(int)
    for person in instance.patients:
        day = plan.admission[person]
        if day is not None:
            load[(instance.people[person].surgeon, day)] += instance.people[person].surgery_duration
    return load


def _theater_day_load(instance: Instance, plan: Plan) -> dict[tuple[int, int], int]:
    load: dict[tuple[int, int], int] = defaultdict(int)
    for person in instance.patients:
        day, theater = plan.admission[person], plan.theater[person]
        if day is not None and theater is not None:
            load[(theater, day)] += instance.people[person].surgery_duration
    return load


def _surgeon_overtime(instance: Instance, plan: Plan) -> int:
    return sum(
        max(0, load - instance.surgeon_capacity[surgeon][day])
        for (surgeon, day), load in _surgeon_day_load(instance, plan).items()
        if day < instance.days
    )


def _theater_overtime(instance: Instance, plan: Plan) -> int:
    return sum(
        max(0, load - instance.theater_capacity[theater][day])
        for (theater, day), load in _theater_day_load(instance, plan).items()
        if day < instance.days
    )


def _unscheduled(instance: Instance, plan: Plan, *, mandatory: bool) -> int:
    return sum(
        1
        for person in instance.patients
        if plan.admission[person] is None and instance.people[person].mandatory == mandatory
    )


def _admission_day(instance: Instance, plan: Plan) -> int:
    late_or_early = 0
    for person in instance.patients:
        day = plan.admission[person]
        data = instance.people[person]
        if day is not None and not data.release_day <= day <= data.due_day:
            late_or_early += 1
    return late_or_early


def _room_capacity(instance: Instance, occupancy: dict[tuple[int, int], list[int]]) -> int:
    return sum(
        max(0, len(people) - instance.room_capacity[room])
        for (room, _day), people in occupancy.items()
    )


def _nurse_presence(instance: Instance, plan: Plan) -> int:
    assignments = [(shift, nurse) for (shift, _room), nurse in plan.nurse.items()]
    assignments += [(shift, nurse) for shift, _room, nurse in plan.overridden]
    return sum(1 for shift, nurse in assignments if shift not in instance.nurse_max_load[nurse])


def _uncovered_rooms(
    instance: Instance, occupancy: dict[tuple[int, int], list[int]], plan: Plan
) -> int:
    return sum(
        1
        for (room, day), people in occupancy.items()
        if people
        for shift_type in range(SHIFTS_PER_DAY)
        if (SHIFTS_PER_DAY * day + shift_type, room) not in plan.nurse
    )


def _age_mix(instance: Instance, occupancy: dict[tuple[int, int], list[int]]) -> int:
    total = 0
    for people in occupancy.values():
        ages = [instance.people[person].age for person in people]
        total += max(ages) - min(ages)
    return total


def _nurse_costs(instance: Instance, plan: Plan) -> dict[str, int]:
    """Skill shortfall, distinct nurses per patient and workload above each nurse's limit."""
    skill_shortfall = 0
    nurses_of: dict[int, set[int]] = defaultdict(set)
    nurse_load: dict[tuple[int, int], int] = defaultdict(int)
    for person in _admitted(instance, plan):
        day, room = plan.admission[person], plan.room[person]
        assert day is not None
        assert room is not None
        data = instance.people[person]
        for stay_day in instance.stay_days(person, day):
            for shift_type in range(SHIFTS_PER_DAY):
                shift = SHIFTS_PER_DAY * stay_day + shift_type
                nurse = plan.nurse.get((shift, room))
                if nurse is None:
                    continue
                offset = SHIFTS_PER_DAY * (stay_day - day) + shift_type
                skill_shortfall += max(0, data.skill_required[offset] - instance.nurse_skill[nurse])
                nurses_of[person].add(nurse)
                nurse_load[(nurse, shift)] += data.workload[offset]
    excess = sum(
        max(0, load - instance.nurse_max_load[nurse].get(shift, 0))
        for (nurse, shift), load in nurse_load.items()
    )
    return {
        "RoomSkillLevel": skill_shortfall,
        "ContinuityOfCare": sum(len(nurses) for nurses in nurses_of.values()),
        "ExcessiveNurseWorkload": excess,
    }


def _surgeon_transfers(instance: Instance, plan: Plan) -> int:
    theaters: dict[tuple[int, int], set[int]] = defaultdict(set)
    for person in instance.patients:
        day, theater = plan.admission[person], plan.theater[person]
        if day is not None and theater is not None:
            theaters[(instance.people[person].surgeon, day)].add(theater)
    return sum(len(used) - 1 for used in theaters.values() if len(used) > 1)


def _delay(instance: Instance, plan: Plan) -> int:
    return sum(
        day - instance.people[person].release_day
        for person in instance.patients
        if (day := plan.admission[person]) is not None
    )
