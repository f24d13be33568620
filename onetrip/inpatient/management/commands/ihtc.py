"""`onetrip ihtc solve|evaluate`: the admission planner on IHTC-2024 instance files (D163)."""

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onetrip.inpatient.ihtc.evaluator import evaluate
from onetrip.inpatient.ihtc.jsonio import read_json, write_solution
from onetrip.inpatient.ihtc.solver import solve_instance


class Command(BaseCommand):
    help = "Solve or evaluate Integrated Healthcare Timetabling Competition 2024 instances."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        solve = actions.add_parser("solve", help="Plan an instance and write the solution JSON.")
        solve.add_argument("instance")
        solve.add_argument("--time-limit", type=_positive, default=600.0, help="seconds")
        solve.add_argument("--threads", type=int, default=1, choices=range(1, 5))
        solve.add_argument("--seed", type=int, default=0)
        solve.add_argument("--output", required=True)
        check = actions.add_parser("evaluate", help="Count violations and costs of a solution.")
        check.add_argument("instance")
        check.add_argument("solution")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            instance = read_json(options["instance"])
            if options["action"] == "solve":
                self._solve(instance, options)
            else:
                self.stdout.write(evaluate(instance, read_json(options["solution"])).report())
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"cannot read {options['instance']}: {error}") from error

    def _solve(self, instance: dict[str, Any], options: dict[str, Any]) -> None:
        started = time.monotonic()
        solution = solve_instance(
            instance,
            time_limit=options["time_limit"],
            threads=options["threads"],
            seed=options["seed"],
        )
        elapsed = time.monotonic() - started
        write_solution(solution, options["output"])
        # Report with the evaluator on the written answer, not the solver's own bookkeeping.
        self.stdout.write(evaluate(instance, solution).report())
        self.stdout.write(f"Time = {elapsed:.1f} s; solution written to {options['output']}")


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value
