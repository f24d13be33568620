"""Our evaluator against the competition's published figures (D162).

The ten test instances come with reference solutions whose costs the organisers computed;
every component must match. The toy example must show the official validator's verdict on
it (3 gender-mix violations, cost 292). The traps break a valid solution in known ways.
"""

import copy
import re

import pytest

from onetrip.inpatient.ihtc.evaluator import evaluate

from .ihtc_fixtures import from_archive, toy

# The reference files' names for our cost components.
REFERENCE_NAMES = {
    "Unscheduled": "ElectiveUnscheduledPatients",
    "Delay": "PatientDelay",
    "OpenOT": "OpenOperatingRoom",
    "AgeMix": "RoomAgeMix",
    "Skill": "RoomSkillLevel",
    "Excess": "ExcessiveNurseWorkload",
    "Continuity": "ContinuityOfCare",
    "SurgeonTransfer": "SurgeonTransfer",
}


def _reference_costs(solution: dict) -> dict[str, int]:
    text = solution["costs"][0]
    return {name: int(value) for name, value in re.findall(r"(\w+):\s*(\d+)", text)}


@pytest.mark.parametrize("number", range(1, 11))
def test_every_reference_solution_scores_as_the_organisers_reported(number: int) -> None:
    instance = from_archive("ihtc2024_test_dataset.zip", f"test{number:02d}.json")
    solution = from_archive("ihtc2024_test_solutions.zip", f"sol_test{number:02d}.json")
    reference = _reference_costs(solution)

    evaluation = evaluate(instance, solution)

    assert evaluation.total_violations == 0
    assert evaluation.total_cost == reference["Cost"]
    for theirs, ours in REFERENCE_NAMES.items():
        assert evaluation.costs[ours] == reference[theirs], theirs


def test_toy_solution_gets_the_official_validators_verdict() -> None:
    instance, solution = toy()

    evaluation = evaluate(instance, solution)

    assert evaluation.violations["RoomGenderMix"] == 3
    assert evaluation.total_violations == 3
    assert evaluation.total_cost == 292


def _valid_solution() -> tuple[dict, dict]:
    instance = from_archive("ihtc2024_test_dataset.zip", "test01.json")
    solution = from_archive("ihtc2024_test_solutions.zip", "sol_test01.json")
    return instance, copy.deepcopy(solution)


def test_a_patient_in_an_incompatible_room_is_a_violation() -> None:
    instance, solution = _valid_solution()
    patients = {p["id"]: p for p in instance["patients"]}
    entry, room = next(
        (entry, patients[entry["id"]]["incompatible_room_ids"][0])
        for entry in solution["patients"]
        if entry["admission_day"] != "none" and patients[entry["id"]]["incompatible_room_ids"]
    )
    entry["room"] = room

    assert evaluate(instance, solution).violations["PatientRoomCompatibility"] == 1


def test_an_unscheduled_mandatory_patient_is_a_violation_and_saves_its_delay() -> None:
    instance, solution = _valid_solution()
    release = {p["id"]: p["surgery_release_day"] for p in instance["patients"] if p["mandatory"]}
    baseline = evaluate(instance, solution)
    entry = next(
        e for e in solution["patients"] if e["id"] in release and e["admission_day"] != "none"
    )
    delay = entry["admission_day"] - release[entry["id"]]
    entry["admission_day"] = "none"

    evaluation = evaluate(instance, solution)

    assert evaluation.violations["MandatoryUnscheduledPatients"] == 1
    weight = instance["weights"]["patient_delay"]
    assert evaluation.costs["PatientDelay"] == baseline.costs["PatientDelay"] - weight * delay


def test_an_occupied_room_left_without_its_nurse_is_uncovered() -> None:
    instance, solution = _valid_solution()
    occupied_on_day_0 = {o["room_id"] for o in instance["occupants"]}
    first_shift = next(
        a
        for n in solution["nurses"]
        for a in n["assignments"]
        if a["day"] == 0 and set(a["rooms"]) & occupied_on_day_0
    )
    first_shift["rooms"].remove(sorted(set(first_shift["rooms"]) & occupied_on_day_0)[0])

    assert evaluate(instance, solution).violations["UncoveredRoom"] == 1


def test_a_nurse_off_roster_is_a_violation_even_where_another_nurse_covers() -> None:
    instance, solution = _valid_solution()
    nurse = solution["nurses"][0]
    worked = {(a["day"], a["shift"]) for a in nurse["assignments"]}
    day_off = next(d for d in range(instance["days"]) if (d, "early") not in worked)
    nurse["assignments"].append({"day": day_off, "shift": "early", "rooms": ["r0"]})

    evaluation = evaluate(instance, solution)

    assert evaluation.violations["NursePresence"] == 1
