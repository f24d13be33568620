"""The patients' simulated annealing (D255): its move costs agree with the search's objective,
and it lowers the greedy plan's cost without breaking a hard constraint."""

import random
import time
from types import SimpleNamespace

from onetrip.inpatient.ihtc import annealing, patient_anneal
from onetrip.inpatient.ihtc.evaluator import evaluate_plan
from onetrip.inpatient.ihtc.greedy import assign_nurses, construct_patients
from onetrip.inpatient.ihtc.instance import parse_instance
from onetrip.inpatient.ihtc.patient_anneal import (
    MOVES,
    PatientState,
    _exchange,
    _insert,
    _Move,
    _propose,
)
from onetrip.inpatient.ihtc.patient_lns import patient_stage_cost

from .ihtc_fixtures import from_archive


def greedy_plan(name: str):
    instance = parse_instance(from_archive("ihtc2024_test_dataset.zip", name))
    plan = construct_patients(instance, deadline=time.monotonic() + 1, seed=0)
    return instance, plan


def hard_violations(instance, plan) -> int:
    plan = plan.copy()
    assign_nurses(instance, plan)  # rooms left without a nurse are not the patients' doing
    return evaluate_plan(instance, plan).total_violations


def test_each_moves_cost_change_is_what_the_objective_counts() -> None:
    instance, plan = greedy_plan("test03.json")
    state = PatientState(instance, plan)
    assert state.cost == patient_stage_cost(instance, plan)
    rng = random.Random(1)
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
            current = state.plan()
            assert patient_stage_cost(instance, current) == state.cost
            assert hard_violations(instance, current) == 0
            left_out = [p for p in patients if state.admission[p] is None]
            assert sorted(state.left_out) == left_out
    assert made > 50


def test_annealing_lowers_the_greedy_cost_and_keeps_the_plan_feasible(monkeypatch) -> None:
    instance, plan = greedy_plan("test10.json")
    greedy_cost = patient_stage_cost(instance, plan)
    # A clock that moves by the search's own steps, so a loaded machine runs the same moves.
    ticks = iter(range(10**9))
    monkeypatch.setattr(annealing, "time", SimpleNamespace(monotonic=lambda: next(ticks)))

    best, cost = patient_anneal.anneal_patients(
        instance, plan.copy(), deadline=40, rng=random.Random(0)
    )

    assert cost == patient_stage_cost(instance, best) < greedy_cost
    assert hard_violations(instance, best) == 0


def test_a_left_out_patient_is_inserted_where_it_fits_and_two_patients_trade_places() -> None:
    instance, plan = greedy_plan("test03.json")
    state = PatientState(instance, plan)
    admitted = [p for p in instance.patients if state.admission[p] is not None]
    person = admitted[0]
    state.cost += state.remove(person)  # its own place is free again, so it fits somewhere
    assert person in state.left_out

    move = _Move(state)
    assert _insert(move, state, person, random.Random(0))
    state.cost += move.change
    assert state.admission[person] is not None
    assert person not in state.left_out
    assert state.cost == patient_stage_cost(instance, state.plan())

    # Two patients with the same window and rooms trade their days and rooms.
    people = instance.people
    pairs = [
        (a, b)
        for a in admitted
        for b in admitted
        if a != b
        and state.admission[a] != state.admission[b]
        and people[a].release_day <= state.admission[b] <= people[a].due_day
        and people[b].release_day <= state.admission[a] <= people[b].due_day
        and state.room[b] in people[a].compatible_rooms
        and state.room[a] in people[b].compatible_rooms
    ]
    for a, b in pairs:
        before = (state.admission[a], state.room[a], state.admission[b], state.room[b])
        move = _Move(state)
        if _exchange(move, state, a, b):
            state.cost += move.change
            assert (state.admission[b], state.room[b], state.admission[a], state.room[a]) == before
            assert state.cost == patient_stage_cost(instance, state.plan())
            assert hard_violations(instance, state.plan()) == 0
            break
        move.undo()
        assert (state.admission[a], state.room[a], state.admission[b], state.room[b]) == before
    else:
        raise AssertionError("no exchange was feasible on test03")
