"""The patients searched again with the nurses held fixed, on the exact objective (D320).

The patient search before the nurses are placed prices them by a stand-in: three nurses met
by every admitted patient (`patient_lns.MIN_NURSES_PER_PATIENT`). Skill shortfall and the
nurses' workload above their limits it cannot see, and on instances where those costs
dominate (i02: more than half of the cost) the stand-in leaves the patients where the nurses
make them dear. Once every room-shift has a nurse, all eight costs are local to a move: with
the nurse of each room-shift fixed, a placement's skill shortfall and distinct nurses are its
own, and its workload changes only the loads of the nurses on its stay's shifts. So the
patients' annealing runs again on the competition's objective itself, then the nurses'
annealing again on the patients it leaves; neither step can make the plan worse.
"""

import random

from .greedy import room_shift_people
from .instance import SHIFTS_PER_DAY, Instance
from .patient_anneal import PatientState, anneal
from .plan import Plan

# A plan already annealed twice: start cooler than the first search, as multiples of one
# day's delay.
START_TEMPERATURE, END_TEMPERATURE = 1.0, 0.05


class NurseAwareState(PatientState):
    """The patients' state with each room-shift's nurse fixed (`grid[shift][room]`), whose
    cost is the competition's total cost."""

    def __init__(self, instance: Instance, plan: Plan, grid: list[list[int]]) -> None:
        self.grid = grid
        self.skill = instance.nurse_skill
        self.limit = [
            [roster.get(shift, 0) for shift in range(instance.shifts)]
            for roster in instance.nurse_max_load
        ]
        self.nurse_load = [[0] * instance.shifts for _ in instance.nurse_max_load]
        weights = instance.weights
        self.w_skill = weights["room_nurse_skill"]
        self.w_continuity = weights["continuity_of_care"]
        self.w_excess = weights["nurse_eccessive_workload"]
        super().__init__(instance, plan)

    def _nurse_change(self, person: int, day: int, room: int, sign: int) -> int:
        data = self.instance.people[person]
        grid, skill, limit, load = self.grid, self.skill, self.limit, self.nurse_load
        met: set[int] = set()
        shortfall = excess = 0
        for offset, shift in enumerate(
            range(SHIFTS_PER_DAY * day, SHIFTS_PER_DAY * (day + len(self._stay(person, day))))
        ):
            nurse = grid[shift][room]
            met.add(nurse)
            shortfall += max(0, data.skill_required[offset] - skill[nurse])
            before = load[nurse][shift]
            after = before + sign * data.workload[offset]
            load[nurse][shift] = after
            cap = limit[nurse][shift]
            excess += max(0, after - cap) - max(0, before - cap)
        return sign * (self.w_skill * shortfall + self.w_continuity * len(met)) + (
            self.w_excess * excess
        )

    def plan(self) -> Plan:
        plan = super().plan()
        plan.nurse = {
            (shift, room): self.grid[shift][room]
            for shift, room in room_shift_people(self.instance, plan)
        }
        return plan


def full_grid(instance: Instance, plan: Plan) -> list[list[int]] | None:
    """The plan's nurse of every occupied room-shift, and for every empty one the nurse of
    that shift with the most workload to spare (then the most skill): whoever a move brings
    into an empty room meets that nurse. None if a shift has no nurse at all."""
    load: dict[tuple[int, int], int] = {}
    for (shift, room), people in room_shift_people(instance, plan).items():
        nurse = plan.nurse[(shift, room)]
        load[(nurse, shift)] = load.get((nurse, shift), 0) + sum(work for _p, work, _n in people)
    grid = []
    for shift in range(instance.shifts):
        nurses = instance.nurses_on_shift[shift]
        if not nurses:
            return None
        spare = max(
            nurses,
            key=lambda n: (
                instance.nurse_max_load[n].get(shift, 0) - load.get((n, shift), 0),
                instance.nurse_skill[n],
            ),
        )
        grid.append(
            [plan.nurse.get((shift, room), spare) for room in range(len(instance.room_ids))]
        )
    return grid


def polish_patients(instance: Instance, plan: Plan, *, deadline: float, rng: random.Random) -> Plan:
    """The best plan found by annealing the patients under `plan`'s nurses (every occupied
    room-shift has one) until the deadline; `plan` itself if nothing better was found."""
    grid = full_grid(instance, plan)
    if grid is None:
        return plan
    best, _cost = anneal(
        NurseAwareState(instance, plan, grid),
        deadline=deadline,
        rng=rng,
        temperatures=(START_TEMPERATURE, END_TEMPERATURE),
    )
    return best
