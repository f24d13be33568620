"""Run the admission planner on the IHTC-2024 public instances, `--jobs` at a time.

Usage (from the repository root):
    .venv/bin/python bench/ihtc/run.py --time-limit 60 --threads 1 \
        --output bench/ihtc/results-60s.json [--jobs 2] [i01 i02 ...]

Each instance is solved in its own process (`manage.py ihtc solve`, the command users run),
so one instance's memory never carries into the next and the wall time includes start-up.
Every written solution is then re-scored by our evaluator; the results file gets one row
per instance (violations, cost, best known, gap) and is rewritten after every instance, so a
run stopped half-way still reports what it finished. With `--jobs 2` two instances run side
by side (each with `--threads` CP-SAT workers); rows stay in instance order.
"""

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("IHTC_DATA", "/work/shared/benchmarks/ihtc2024"))
sys.path.insert(0, str(ROOT))

from onetrip.inpatient.ihtc.evaluator import Evaluation, evaluate, evaluate_plan  # noqa: E402
from onetrip.inpatient.ihtc.greedy import assign_nurses, construct_patients  # noqa: E402
from onetrip.inpatient.ihtc.instance import parse_instance  # noqa: E402
from onetrip.inpatient.ihtc.jsonio import read_json  # noqa: E402

BASELINE_SECONDS = 1.0  # the greedy constructor alone, for the same-run ratio


def main() -> None:
    args = _arguments()
    best_known = _best_known()
    names = args.instances or sorted(best_known)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(DATA / "ihtc2024_competition_instances.zip") as archive:
            archive.extractall(scratch)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [
                pool.submit(_run_one, Path(scratch), name, best_known[name], args) for name in names
            ]
            for future in futures:
                rows.append(future.result())
                _write(args.output, args, rows)
                sys.stdout.write(_row_text(rows[-1]) + "\n")
                sys.stdout.flush()
    gaps = [float(str(row["gap_percent"])) for row in rows]
    sys.stdout.write(f"mean gap {statistics.mean(gaps):.1f}% over {len(rows)} instances\n")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instances", nargs="*", help="default: all 30 public instances")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="instances solved side by side")
    parser.add_argument("--output", type=Path, required=True)
    return parser.parse_args()


def _best_known() -> dict[str, int]:
    with open(DATA / "upper_bounds_public.csv", encoding="utf-8") as handle:
        return {row["instance"]: int(row["best_known_cost"]) for row in csv.DictReader(handle)}


def _run_one(scratch: Path, name: str, best: int, args: argparse.Namespace) -> dict[str, object]:
    instance_path = scratch / f"{name}.json"
    solution_path = scratch / f"{name}.solution.json"
    command = [
        sys.executable, "manage.py", "ihtc", "solve", str(instance_path),
        "--time-limit", str(args.time_limit), "--threads", str(args.threads),
        "--seed", str(args.seed), "--output", str(solution_path),
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(
        command, cwd=ROOT, env={**os.environ, "ONETRIP_DEMO": "1"}, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.monotonic() - started
    evaluation = evaluate(read_json(instance_path), read_json(solution_path))
    cost = evaluation.total_cost
    baseline = _greedy_baseline(read_json(instance_path))
    return {
        "instance": name,
        "violations": evaluation.total_violations,
        "cost": cost,
        "best_known": best,
        "gap_percent": round(100 * (cost - best) / best, 1),
        "wall_seconds": round(wall, 1),
        "greedy_violations": baseline.total_violations,
        "greedy_cost": baseline.total_cost,
        "ratio_to_greedy": round(cost / baseline.total_cost, 3),
        "costs": evaluation.costs,
    }


def _greedy_baseline(raw: dict[str, Any]) -> Evaluation:
    """The constructive heuristic alone (what the search starts from), scored the same way."""
    instance = parse_instance(raw)
    plan = construct_patients(instance, deadline=time.monotonic() + BASELINE_SECONDS)
    assign_nurses(instance, plan)
    return evaluate_plan(instance, plan)


def _write(path: Path, args: argparse.Namespace, rows: list[dict[str, object]]) -> None:
    gaps = [float(str(row["gap_percent"])) for row in rows]
    report = {
        "time_limit": args.time_limit,
        "threads": args.threads,
        "seed": args.seed,
        "jobs": args.jobs,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "mean_gap_percent": round(statistics.mean(gaps), 1),
        "instances_with_violations": sum(1 for row in rows if row["violations"]),
        "rows": rows,
    }
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def _row_text(row: dict[str, object]) -> str:
    return (
        f"{row['instance']}  violations {row['violations']}  cost {row['cost']}  "
        f"best {row['best_known']}  gap {row['gap_percent']}%  {row['wall_seconds']} s"
    )


if __name__ == "__main__":
    main()
