"""Simulated annealing over the nurse-to-room assignment (D221).

With the patients placed, a move gives one room-shift another nurse of that shift, or swaps
the nurses of two rooms in the same shift. Each move's change of the three nurse costs is
computed from the room-shift's people alone: skill shortfall, the two nurses' workload above
their limits in that shift, and continuity of care from a count of the room-shifts each
patient spends with each nurse (a new face costs when the count leaves zero, and saves when
it comes back to zero). Hundreds of thousands of moves fit in the seconds a CP-SAT window
took, and the whole horizon is searched at once, which one-day CP-SAT windows (D161) could not
do for a patient's continuity of care.
"""

import random
from collections import defaultdict

from .annealing import Cooling
from .greedy import room_shift_people
from .instance import Instance
from .plan import Plan

# The deadline is looked at every this many moves.
CHECK_EVERY = 2000
# The temperature falls geometrically from START to END times the smallest nurse weight.
START_TEMPERATURE, END_TEMPERATURE = 2.0, 0.02
SWAP_SHARE = 0.5


class _State:
    """The nurse assignment with the counts that make a move's cost change local."""

    def __init__(self, instance: Instance, plan: Plan) -> None:
        self.instance = instance
        self.people_at = {
            key: people for key, people in room_shift_people(instance, plan).items() if people
        }
        self.nurse = {key: plan.nurse[key] for key in self.people_at if key in plan.nurse}
        self.load: dict[tuple[int, int], int] = defaultdict(int)
        self.meets: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for key, nurse in self.nurse.items():
            self._add(key, nurse, +1)
        weights = instance.weights
        self.w_skill = weights["room_nurse_skill"]
        self.w_continuity = weights["continuity_of_care"]
        self.w_excess = weights["nurse_eccessive_workload"]

    def _add(self, key: tuple[int, int], nurse: int, sign: int) -> None:
        shift = key[0]
        for person, work, _need in self.people_at[key]:
            self.load[(nurse, shift)] += sign * work
            self.meets[person][nurse] += sign

    def _excess(self, nurse: int, shift: int, load: int) -> int:
        return max(0, load - self.instance.nurse_max_load[nurse].get(shift, 0))

    def delta(self, key: tuple[int, int], new: int) -> int:
        """The weighted nurse cost change of giving room-shift `key` to nurse `new`."""
        old = self.nurse[key]
        if new == old:
            return 0
        shift = key[0]
        people = self.people_at[key]
        skills = self.instance.nurse_skill
        shortfall = sum(
            max(0, need - skills[new]) - max(0, need - skills[old]) for *_, need in people
        )
        room_load = sum(work for _p, work, _n in people)
        old_load, new_load = self.load[(old, shift)], self.load[(new, shift)]
        excess = (
            self._excess(old, shift, old_load - room_load)
            - self._excess(old, shift, old_load)
            + self._excess(new, shift, new_load + room_load)
            - self._excess(new, shift, new_load)
        )
        faces = 0
        for person, _w, _n in people:
            met = self.meets[person]
            faces += (met[new] == 0) - (met[old] == 1)
        return self.w_skill * shortfall + self.w_excess * excess + self.w_continuity * faces

    def move(self, key: tuple[int, int], new: int) -> None:
        self._add(key, self.nurse[key], -1)
        self.nurse[key] = new
        self._add(key, new, +1)


def anneal_nurses(instance: Instance, plan: Plan, *, deadline: float, rng: random.Random) -> None:
    """Improve plan.nurse in place until the deadline; keeps the best assignment seen, so it
    never makes the plan worse."""
    state = _State(instance, plan)
    keys = list(state.nurse)
    if not keys:
        return
    by_shift: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for key in keys:
        by_shift[key[0]].append(key)
    lowest = (
        min(w for w in (state.w_skill, state.w_continuity, state.w_excess) if w > 0)
        if any((state.w_skill, state.w_continuity, state.w_excess))
        else 1
    )
    cooling = Cooling(
        START_TEMPERATURE * lowest,
        END_TEMPERATURE * lowest,
        deadline=deadline,
        check_every=CHECK_EVERY,
        rng=rng,
    )
    cost = best_cost = 0  # relative to the starting assignment
    best = dict(state.nurse)
    while cooling.running():
        key = keys[rng.randrange(len(keys))]
        shift = key[0]
        old = state.nurse[key]
        peers = by_shift[shift]
        if len(peers) > 1 and rng.random() < SWAP_SHARE:
            other = peers[rng.randrange(len(peers))]
            partner = state.nurse[other]
            if partner == old:
                continue
            change = state.delta(key, partner)
            state.move(key, partner)
            change += state.delta(other, old)
            if cooling.accepts(change):
                state.move(other, old)
            else:
                state.move(key, old)
                continue
        else:
            nurses = instance.nurses_on_shift[shift]
            new = nurses[rng.randrange(len(nurses))]
            change = state.delta(key, new)
            if not cooling.accepts(change):
                continue
            state.move(key, new)
        cost += change
        if cost < best_cost:
            best_cost = cost
            best = dict(state.nurse)
    plan.nurse.update(best)
