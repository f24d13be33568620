"""The planner's entry point: an IHTC instance in, a competition-format solution out."""

from typing import Any

from .evaluator import evaluate_plan
from .greedy import assign_nurses, construct_patients
from .instance import parse_instance
from .plan import solution_from_plan


def solve_instance(
    instance: dict[str, Any], *, time_limit: float, threads: int = 1, seed: int = 0
) -> dict[str, Any]:
    """Plan admissions, rooms, theatres and nurses within `time_limit` seconds.

    Returns the competition's solution JSON (patients and nurses sections) plus a "costs"
    entry with our evaluator's violations and weighted costs, as the reference solutions do.
    """
    parsed = parse_instance(instance)
    plan = construct_patients(parsed)
    assign_nurses(parsed, plan)
    solution = solution_from_plan(parsed, plan)
    evaluation = evaluate_plan(parsed, plan)
    solution["costs"] = {
        "violations": evaluation.total_violations,
        "cost": evaluation.total_cost,
        **evaluation.costs,
    }
    return solution
