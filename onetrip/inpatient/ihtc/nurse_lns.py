"""Large-neighbourhood search over the nurse-to-room assignment with CP-SAT.

With the patients placed, a step frees every room-shift of a window of consecutive shifts,
keeps the rest, and lets CP-SAT choose the nurses of the window against the exact nurse
costs: skill shortfall, workload above each nurse's limit, and continuity of care (a nurse
counts once per patient however many shifts she covers, so outside-window nurses are free).
"""

import random
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from .evaluator import evaluate_plan
from .greedy import room_shift_people
from .instance import SHIFTS_PER_DAY, Instance
from .plan import Plan

# No step starts this close to the deadline: building a model and scoring its answer take
# time the CP-SAT limit does not cover.
STEP_OVERHEAD_SECONDS = 0.5
NURSE_COSTS = ("RoomSkillLevel", "ContinuityOfCare", "ExcessiveNurseWorkload")


def nurse_stage_cost(instance: Instance, plan: Plan) -> int:
    costs = evaluate_plan(instance, plan).costs
    return sum(costs[name] for name in NURSE_COSTS)


def improve_nurses(
    instance: Instance, plan: Plan, *, deadline: float, threads: int, rng: random.Random
) -> None:
    """Improve plan.nurse in place until the deadline; never makes it worse."""
    if time.monotonic() > deadline - STEP_OVERHEAD_SECONDS:
        return
    people_at = room_shift_people(instance, plan)
    best_cost = nurse_stage_cost(instance, plan)
    while time.monotonic() < deadline - STEP_OVERHEAD_SECONDS:
        # Three consecutive shifts: CP-SAT proves these optimal in well under a second, while
        # two-day windows already stall on one thread (measured on i30).
        width = SHIFTS_PER_DAY
        start = rng.randrange(max(1, instance.shifts - width + 1))
        window = range(start, min(instance.shifts, start + width))
        previous = dict(plan.nurse)
        step_limit = min(2.0, deadline - time.monotonic() - STEP_OVERHEAD_SECONDS)
        if not _reassign_window(instance, plan, people_at, window, step_limit, threads, rng):
            continue
        cost = nurse_stage_cost(instance, plan)
        if cost <= best_cost:
            best_cost = cost
        else:
            plan.nurse = previous


def _reassign_window(
    instance: Instance,
    plan: Plan,
    people_at: dict[tuple[int, int], list[tuple[int, int, int]]],
    window: range,
    time_limit: float,
    threads: int,
    rng: random.Random,
) -> bool:
    weights = instance.weights
    model = cp_model.CpModel()
    slots = {key: people for key, people in people_at.items() if key[0] in window and people}
    # Nurses each patient meets outside the window cost nothing more inside it.
    met_outside: dict[int, set[int]] = defaultdict(set)
    for (shift, room), people in people_at.items():
        if shift not in window and (shift, room) in plan.nurse:
            for person, _w, _s in people:
                met_outside[person].add(plan.nurse[(shift, room)])
    choice: dict[tuple[int, int], dict[int, cp_model.IntVar]] = {}
    objective: list[cp_model.LinearExprT] = []
    load: dict[tuple[int, int], list[cp_model.LinearExprT]] = defaultdict(list)
    meets: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (shift, room), people in slots.items():
        nurses = instance.nurses_on_shift[shift]
        if not nurses:
            return False
        options = {nurse: model.new_bool_var("") for nurse in nurses}
        model.add_exactly_one(options.values())
        choice[(shift, room)] = options
        room_load = sum(work for _p, work, _s in people)
        for nurse, var in options.items():
            model.add_hint(var, plan.nurse.get((shift, room)) == nurse)
            skill = instance.nurse_skill[nurse]
            shortfall = sum(max(0, need - skill) for _p, _w, need in people)
            if shortfall:
                objective.append(weights["room_nurse_skill"] * shortfall * var)
            load[(nurse, shift)].append(room_load * var)
            for person, _w, _s in people:
                if nurse not in met_outside[person]:
                    meets[(person, nurse)].append(var)
    for (nurse, shift), terms in load.items():
        limit = instance.nurse_max_load[nurse][shift]
        excess = model.new_int_var(0, 10**6, "")
        model.add(excess >= sum(terms) - limit)
        objective.append(weights["nurse_eccessive_workload"] * excess)
    for variables in meets.values():
        met = model.new_bool_var("")
        for var in variables:
            model.add_implication(var, met)
        objective.append(weights["continuity_of_care"] * met)
    model.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = threads
    solver.parameters.random_seed = rng.randrange(1 << 30)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    for key, options in choice.items():
        plan.nurse[key] = next(n for n, var in options.items() if solver.boolean_value(var))
    return True
