"""`onetrip ihtc solve|evaluate` end to end on the toy example (D163)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from onetrip.inpatient.ihtc.evaluator import evaluate

from .ihtc_fixtures import HERE


def test_solve_writes_a_competition_solution_and_reports_it(tmp_path: Path) -> None:
    output = tmp_path / "solution.json"
    printed = StringIO()

    call_command(
        "ihtc", "solve", str(HERE / "toy.json"), "--time-limit", "2", "--threads", "1",
        "--output", str(output), stdout=printed,
    )  # fmt: skip

    solution = json.loads(output.read_text())
    instance = json.loads((HERE / "toy.json").read_text())
    evaluation = evaluate(instance, solution)
    assert evaluation.total_violations == 0
    assert "Total violations = 0" in printed.getvalue()
    assert f"Total cost = {evaluation.total_cost}" in printed.getvalue()
    assert {n["id"] for n in solution["nurses"]} == {n["id"] for n in instance["nurses"]}


def test_evaluate_prints_the_validators_figures() -> None:
    printed = StringIO()

    call_command(
        "ihtc", "evaluate", str(HERE / "toy.json"), str(HERE / "toy_solution.json"),
        stdout=printed,
    )  # fmt: skip

    assert "RoomGenderMix.....................3" in printed.getvalue()
    assert "Total cost = 292" in printed.getvalue()


def test_a_missing_instance_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "ihtc", "solve", str(tmp_path / "absent.json"), "--output", str(tmp_path / "s.json")
        )
