"""The patients searched again under fixed nurses (D320): the state's cost is the
competition's total cost move after move, and the polish never makes a plan worse."""

import random
import time
from types import SimpleNamespace

from onetrip.inpatient.ihtc import annealing
from onetrip.inpatient.ihtc.evaluator import evaluate_plan
from onetrip.inpatient.ihtc.greedy import assign_nurses, construct_patients
from onetrip.inpatient.ihtc.instance import parse_instance
from onetrip.inpatient.ihtc.patient_anneal import MOVES, _Move, _propose
from onetrip.inpatient.ihtc.polish import NurseAwareState, full_grid, polish_patients

from .ihtc_fixtures import from_archive


def nursed_greedy_plan(name: str):
    instance = parse_instance(from_archive("ihtc2024_test_dataset.zip", name))
    plan = construct_patients(instance, deadline=time.monotonic() + 1, seed=0)
    assign_nurses(instance, plan)
    return instance, plan


def test_every_moves_cost_change_is_the_evaluators_total_cost_change() -> None:
    instance, plan = nursed_greedy_plan("test03.json")
    grid = full_grid(instance, plan)
    assert grid is not None
    state = NurseAwareState(instance, plan, grid)
    assert state.cost == evaluate_plan(instance, plan).total_cost
    rng = random.Random(2)
    patients = instance.patients
    optional = [p for p in patients if not instance.people[p].mandatory]
    made = 0
    for step in range(3000):
        move = _Move(state)
        if _propose(rng.choice(list(MOVES)), move, state, patients, optional, rng) and (
            rng.random() < 0.5
        ):
            state.cost += move.change
            made += 1
        else:
            move.undo()
        if step % 100 == 0:
            evaluation = evaluate_plan(instance, state.plan())
            assert evaluation.total_violations == 0
            assert evaluation.total_cost == state.cost
    assert made > 50


def test_polishing_lowers_the_total_cost_and_keeps_every_room_nursed(monkeypatch) -> None:
    instance, plan = nursed_greedy_plan("test10.json")
    before = evaluate_plan(instance, plan)
    ticks = iter(range(10**9))  # a clock of the search's own steps: the same moves anywhere
    monkeypatch.setattr(annealing, "time", SimpleNamespace(monotonic=lambda: next(ticks)))

    polished = polish_patients(instance, plan, deadline=40, rng=random.Random(0))

    after = evaluate_plan(instance, polished)
    assert after.total_violations == 0
    assert after.total_cost < before.total_cost
