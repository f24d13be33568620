"""The nurses' simulated annealing (D221): its move costs agree with the evaluator, and it
lowers the greedy assignment's nurse costs without breaking a hard constraint."""

import random
import time
from types import SimpleNamespace

from onetrip.inpatient.ihtc import annealing
from onetrip.inpatient.ihtc.evaluator import evaluate_plan
from onetrip.inpatient.ihtc.greedy import assign_nurses, construct_patients
from onetrip.inpatient.ihtc.instance import parse_instance
from onetrip.inpatient.ihtc.nurse_anneal import _State, anneal_nurses

from .ihtc_fixtures import from_archive

NURSE_COSTS = ("RoomSkillLevel", "ContinuityOfCare", "ExcessiveNurseWorkload")


def greedy_plan(name: str):
    instance = parse_instance(from_archive("ihtc2024_test_dataset.zip", name))
    plan = construct_patients(instance, deadline=time.monotonic() + 1, seed=0)
    assign_nurses(instance, plan)
    return instance, plan


def nurse_cost(instance, plan) -> int:
    evaluation = evaluate_plan(instance, plan)
    return sum(evaluation.costs[name] for name in NURSE_COSTS)


def test_each_moves_cost_is_what_the_evaluator_counts() -> None:
    instance, plan = greedy_plan("test03.json")
    state = _State(instance, plan)
    rng = random.Random(1)
    keys = list(state.nurse)
    for _ in range(200):
        key = keys[rng.randrange(len(keys))]
        new = rng.choice(instance.nurses_on_shift[key[0]])
        before = nurse_cost(instance, plan)

        change = state.delta(key, new)
        state.move(key, new)
        plan.nurse[key] = new

        assert nurse_cost(instance, plan) - before == change


def test_annealing_lowers_the_greedy_nurse_costs_and_keeps_the_plan_feasible(
    monkeypatch,
) -> None:
    instance, plan = greedy_plan("test10.json")
    greedy_cost = nurse_cost(instance, plan)
    # A clock that moves by the search's own steps, so a loaded machine runs the same moves.
    ticks = iter(range(10**9))
    monkeypatch.setattr(annealing, "time", SimpleNamespace(monotonic=lambda: next(ticks)))

    anneal_nurses(instance, plan, deadline=100, rng=random.Random(0))

    assert nurse_cost(instance, plan) < greedy_cost
    assert evaluate_plan(instance, plan).total_violations == 0
