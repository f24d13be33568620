"""The patients' search alone, on a CPU-time clock: variants compared on a loaded machine.

Usage (from the repository root):
    .venv/bin/python bench/ihtc/anneal.py --seconds 6 --seed 0 i27 i22 i19 i29
    .venv/bin/python bench/ihtc/anneal.py --seconds 12 --lns 0.15 i27 i22 i19 i29
    .venv/bin/python bench/ihtc/anneal.py --root /path/to/other/checkout ...

Greedy construction (2 CPU seconds), then the patients' annealing for `--seconds` CPU
seconds, or for (1 - lns) of them followed by the CP-SAT neighbourhoods for the rest. Every
clock the searches read is the process's CPU time, so each variant gets the same work however
busy the shared machine is (D274); CP-SAT's own per-step limit stays in wall time. Prints the
patient-stage cost (`patient_stage_cost`) per instance and its sum. `--root` runs another
checkout's code (main's, for a before/after); its modules must read `time.monotonic`.
"""

import argparse
import importlib
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

DATA = Path(os.environ.get("IHTC_DATA", "/work/shared/benchmarks/ihtc2024"))
CONSTRUCTION_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instances", nargs="+")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lns", type=float, default=0.0, help="share of the time to CP-SAT")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))
    cpu_clock = SimpleNamespace(monotonic=time.process_time)
    for name in ("annealing", "patient_anneal", "greedy", "patient_lns"):
        try:
            module = importlib.import_module(f"onetrip.inpatient.ihtc.{name}")
        except ImportError:  # main before D273 has no annealing module
            continue
        if hasattr(module, "time"):
            module.time = cpu_clock  # type: ignore[attr-defined]
    greedy = importlib.import_module("onetrip.inpatient.ihtc.greedy")
    instance_module = importlib.import_module("onetrip.inpatient.ihtc.instance")
    anneal = importlib.import_module("onetrip.inpatient.ihtc.patient_anneal")
    lns = importlib.import_module("onetrip.inpatient.ihtc.patient_lns")
    total = 0
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(DATA / "ihtc2024_competition_instances.zip") as archive:
            archive.extractall(scratch)
        for name in args.instances:
            with open(Path(scratch) / f"{name}.json", encoding="utf-8") as handle:
                instance = instance_module.parse_instance(json.load(handle))
            plan = greedy.construct_patients(
                instance, deadline=time.process_time() + CONSTRUCTION_SECONDS, seed=args.seed
            )
            started = time.process_time()
            best, cost = anneal.anneal_patients(
                instance,
                plan.copy(),
                deadline=started + args.seconds * (1 - args.lns),
                rng=random.Random(args.seed),
            )
            if args.lns:
                best = lns.improve_patients(
                    instance,
                    best,
                    deadline=started + args.seconds,
                    threads=1,
                    rng=random.Random(args.seed),
                )
                cost = lns.patient_stage_cost(instance, best)
            left_out = sum(1 for p in instance.patients if best.admission[p] is None)
            total += cost
            sys.stdout.write(f"{name}: stage cost {cost}, left out {left_out}\n")
            sys.stdout.flush()
    sys.stdout.write(f"sum {total}\n")


if __name__ == "__main__":
    main()
