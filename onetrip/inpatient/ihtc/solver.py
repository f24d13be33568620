"""The planner's entry point: an IHTC instance in, a competition-format solution out.

Two stages share the time (decision D161): first the patients (admission day, room,
theatre) by greedy construction, simulated annealing (D255), then CP-SAT large-neighbourhood
search; then the nurses (greedy, then simulated annealing over the whole horizon, D221), and
the patients once more with those nurses fixed, on the exact objective, and the nurses again
(D320). Patients first because their costs (unscheduled patients, delays, theatres) dominate
the objective on the public instances and because the nurse assignment is always feasible
once rooms are known.
"""

import random
import time
from typing import Any

from .evaluator import Evaluation, evaluate_plan
from .greedy import assign_nurses, construct_patients, repair_mandatory
from .instance import Instance, parse_instance
from .nurse_anneal import anneal_nurses
from .patient_anneal import anneal_patients
from .patient_lns import improve_patients
from .plan import Plan, solution_from_plan
from .polish import polish_patients

CONSTRUCTION_SHARE = 0.1  # at most, for trying insertion orders
MANDATORY_SHARE = 0.3  # at most, for placing mandatory patients the greedy left out
# Of the time left after construction, spent on patients; the rest goes to the nurses, whose
# annealing has done most of its work by then (D221): with 4 CPU seconds instead of 16 it
# ends within 3% of the nurse costs, while the patients' search still gains with time (D276).
PATIENT_SHARE = 0.85
# Of the time after the patients: the nurses' first annealing, then the patients again with
# those nurses fixed on the exact objective (D320); the nurses' second annealing takes the rest.
# Taking the polish's time from the patients' (0.8 instead of 0.85) lost more on the large
# instances than it won.
FIRST_NURSE_SHARE, POLISH_SHARE = 0.3, 0.45
# Of the patients' time, spent annealing (D255); CP-SAT neighbourhoods take the rest.
ANNEAL_SHARE = 0.7
# Kept back for the last evaluation and writing the answer: 5% of the limit, at least a
# second (a step's model building is not interruptible and slows down on a loaded machine),
# never more than half the limit.
SAFETY_SHARE, SAFETY_SECONDS = 0.05, 1.0


def solve_instance(
    instance: dict[str, Any], *, time_limit: float, threads: int = 1, seed: int = 0
) -> dict[str, Any]:
    """Plan admissions, rooms, theatres and nurses within `time_limit` seconds.

    Returns the competition's solution JSON (patients and nurses sections) plus a "costs"
    entry with our evaluator's violations and weighted costs, as the reference solutions do.
    The same seed and thread count give the same search (CP-SAT is seeded from it too).
    """
    started = time.monotonic()
    reserve = min(time_limit / 2, max(time_limit * SAFETY_SHARE, SAFETY_SECONDS))
    deadline = started + time_limit - reserve
    parsed = parse_instance(instance)
    plan, evaluation = solve_plan(parsed, deadline=deadline, threads=threads, seed=seed)
    return solution_with_costs(parsed, plan, evaluation)


def solve_plan(
    instance: Instance, *, deadline: float, threads: int, seed: int
) -> tuple[Plan, Evaluation]:
    rng = random.Random(seed)
    construction_deadline = time.monotonic() + (deadline - time.monotonic()) * CONSTRUCTION_SHARE
    greedy = construct_patients(instance, deadline=construction_deadline, seed=seed)
    if _mandatory_left_out(instance, greedy):
        repair_deadline = time.monotonic() + (deadline - time.monotonic()) * MANDATORY_SHARE
        greedy = repair_mandatory(instance, greedy, deadline=repair_deadline, rng=rng)
    started_nurses = time.monotonic()
    assign_nurses(instance, greedy)
    # The greedy nurse pass runs again after the patient search: keep its time free.
    nurse_pass = time.monotonic() - started_nurses
    now = time.monotonic()
    patients_deadline = now + (deadline - now) * PATIENT_SHARE - nurse_pass
    # Each search has its own generator, drawn before any of them runs: how many moves a
    # search makes depends on the machine, and the same seed must give the same plan.
    annealing_rng, first_nurses_rng, polish_rng, last_nurses_rng = (
        random.Random(rng.randrange(1 << 30)) for _ in range(4)
    )
    annealed, _cost = anneal_patients(
        instance,
        greedy.copy(),
        deadline=now + (patients_deadline - now) * ANNEAL_SHARE,
        rng=annealing_rng,
    )
    plan = improve_patients(
        instance, annealed, deadline=patients_deadline, threads=threads, rng=rng
    )
    assign_nurses(instance, plan)
    now = time.monotonic()
    nurses_deadline = now + (deadline - now) * FIRST_NURSE_SHARE
    polish_deadline = nurses_deadline + (deadline - now) * POLISH_SHARE
    anneal_nurses(instance, plan, deadline=nurses_deadline, rng=first_nurses_rng)
    plan = polish_patients(instance, plan, deadline=polish_deadline, rng=polish_rng)
    anneal_nurses(instance, plan, deadline=deadline, rng=last_nurses_rng)
    # The patient search optimises a proxy of the nurse costs; keep the greedy plan if the
    # proxy misled it.
    scored = [(candidate, evaluate_plan(instance, candidate)) for candidate in (plan, greedy)]
    return min(scored, key=lambda pair: _rank(pair[1]))


def _mandatory_left_out(instance: Instance, plan: Plan) -> bool:
    return any(
        plan.admission[p] is None and instance.people[p].mandatory for p in instance.patients
    )


def _rank(evaluation: Evaluation) -> tuple[int, int]:
    return (evaluation.total_violations, evaluation.total_cost)


def solution_with_costs(instance: Instance, plan: Plan, evaluation: Evaluation) -> dict[str, Any]:
    solution = solution_from_plan(instance, plan)
    solution["costs"] = {
        "violations": evaluation.total_violations,
        "cost": evaluation.total_cost,
        **evaluation.costs,
    }
    return solution
