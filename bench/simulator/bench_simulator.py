#!/usr/bin/env python
"""Simulator throughput on SQLite (issue 7): patient episodes per second of wall time through
the services, with a baseline from the same run (a bare loop of the cheapest service call).

    bench/simulator/bench_simulator.py seed                  # migrate + load_demo, once
    bench/simulator/bench_simulator.py run --runs 3          # each run on a fresh copy
    bench/simulator/bench_simulator.py run --runs 1 --profile var/bench-simulator/sim.prof
    bench/simulator/bench_simulator.py run --runs 3 --floor  # + the SQL floor (below)

The SQL floor: every statement the run sent to SQLite is recorded and replayed, in order, with
the same parameters, by the bare `sqlite3` module on another fresh copy of the seed: the time
any implementation issuing these statements would need, with no Python above the driver. As for
the run's own rate, only the statements after the set-up (`prepare`) are timed.

Each run is a process of its own on a copy of the seeded database, so every run starts from the
same data. The machine may be shared: CPU seconds of the process are reported beside wall time.
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import pickle
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "var" / "bench-simulator"
PRISTINE = WORK / "pristine.sqlite3"
BASELINE_CALLS = 2000


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(args) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    PRISTINE.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{PRISTINE}"}
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [python, "manage.py", "load_demo", "--patients", str(args.patients)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    say(f"seeded {PRISTINE}")


def _plain(params):
    """Parameters as the driver takes them, without Django's enums (they pickle by model)."""
    if params is None:
        return None
    return [value.value if isinstance(value, enum.Enum) else value for value in params]


def one(args) -> None:
    """One run, in this process: the baseline loop, then the simulation."""
    _django(Path(args.db))
    from django.db import connection, transaction

    from onetrip.core import clock
    from onetrip.identity import services as identity
    from onetrip.identity.models import PatientAffiliation
    from onetrip.simulator.cast import assemble
    from onetrip.simulator.engine import Mix, simulate

    statements = 0
    recorded: list[tuple[str, object, bool] | None] = []  # None: the set-up ended here

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        if args.record:
            rows = [_plain(row) for row in params] if many else _plain(params)
            recorded.append((sql, rows, many))
        return execute(sql, params, many, context)

    # Baseline: the cheapest service call, viewing a patient at the window (one read, one audit
    # row), in one transaction as the simulator's days are. The cast it needs is recorded for
    # the floor's replay; the baseline itself is rolled back, so it is not.
    with connection.execute_wrapper(count), transaction.atomic():
        places = assemble()
    statements = 0
    tertiary = min(places.values(), key=lambda p: p.institution_id)
    patients = list(
        PatientAffiliation.objects.filter(institution_id=tertiary.institution_id)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)[:200]
    )
    with clock.frozen_at(clock.now()), transaction.atomic():
        wall, cpu = time.perf_counter(), time.process_time()
        for number in range(BASELINE_CALLS):
            identity.view_patient(patients[number % len(patients)], actor=tertiary.window)
        baseline_wall, baseline_cpu = time.perf_counter() - wall, time.process_time() - cpu
        transaction.set_rollback(True)

    if args.record:
        from onetrip.simulator import engine

        prepare = engine._Simulation.prepare

        def prepare_and_mark(simulation) -> None:
            prepare(simulation)
            recorded.append(None)

        engine._Simulation.prepare = prepare_and_mark

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    with connection.execute_wrapper(count):
        summary = simulate(
            days=args.days, seed=args.seed, mix=Mix(episodes_per_day=args.episodes_per_day)
        )
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if args.record:
        with open(args.record, "wb") as out:
            pickle.dump(recorded, out)
    say(
        json.dumps(
            {
                "episodes": summary.episodes,
                "run_wall_s": summary.run_seconds,
                "run_cpu_s": summary.run_cpu_seconds,
                "prepare_wall_s": summary.prepare_seconds,
                "statements": statements,
                "baseline_calls_per_s": BASELINE_CALLS / baseline_wall,
                "baseline_cpu_ms": 1000 * baseline_cpu / BASELINE_CALLS,
                "counts": dict(summary.counts),
            }
        )
    )


def _execute(connection: sqlite3.Connection, statements: list) -> int:
    """Run the statements; returns how many failed (the run's refusals fail again here)."""
    failed = 0
    for sql, params, many in statements:
        try:
            if many:
                connection.executemany(sql, params)
            else:
                connection.execute(sql, params or ()).fetchall()
        except sqlite3.Error:
            failed += 1
    return failed


def replay(statements_file: Path) -> dict:
    """The SQL floor: the run's statements through the bare driver on a fresh copy of the seed,
    in one transaction (the simulator's days are one transaction each; commits are not the
    cost here). Returns wall and CPU seconds."""
    from django.db.backends.sqlite3._functions import register as register_functions
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

    with open(statements_file, "rb") as recorded:
        statements = pickle.load(recorded)
    db = WORK / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(PRISTINE, db)

    def for_the_driver(recorded):
        # Transactions and connection settings are the replay's own: one transaction in all.
        return [
            (FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%"), params, many)
            for sql, params, many in recorded
            if not sql.lstrip().upper().startswith(("BEGIN", "PRAGMA"))
        ]

    end_of_set_up = statements.index(None)
    set_up = for_the_driver(statements[:end_of_set_up])
    episodes = for_the_driver(statements[end_of_set_up + 1 :])
    connection = sqlite3.connect(db, isolation_level=None)
    register_functions(connection)  # the SQL functions Django gives SQLite (REGEXP in CHECKs)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("BEGIN")
    failed = _execute(connection, set_up)
    wall, cpu = time.perf_counter(), time.process_time()
    failed += _execute(connection, episodes)
    connection.execute("COMMIT")
    result = {
        "floor_wall_s": time.perf_counter() - wall,
        "floor_cpu_s": time.process_time() - cpu,
        "floor_statements": len(episodes),
        "floor_failed": failed,
    }
    connection.close()
    return result


def run(args) -> None:
    if not PRISTINE.exists():
        sys.exit("seed first: bench/simulator/bench_simulator.py seed")
    results = []
    for number in range(1, args.runs + 1):
        db = WORK / "run.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(PRISTINE, db)
        command = [sys.executable, __file__, "one", "--db", str(db), "--days", str(args.days)]
        command += ["--seed", str(args.seed), "--episodes-per-day", str(args.episodes_per_day)]
        if args.profile:
            command += ["--profile", args.profile]
        statements_file = WORK / "statements.pickle"
        if args.floor:
            command += ["--record", str(statements_file)]
        load = os.getloadavg()[0]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["load"] = load
        if args.floor:
            result.update(replay(statements_file))
            floor_rate = result["episodes"] / result["floor_wall_s"]
            say(
                f"run {number}: SQL floor {result['floor_wall_s']:.2f} s wall, "
                f"{result['floor_cpu_s']:.2f} s CPU for {result['floor_statements']} statements "
                f"({result['floor_failed']} refused, as in the run): "
                f"at most {floor_rate:.0f} episodes/s with these statements"
            )
        results.append(result)
        rate = result["episodes"] / result["run_wall_s"]
        cpu_rate = result["episodes"] / result["run_cpu_s"]
        ratio = rate / result["baseline_calls_per_s"]
        say(
            f"run {number}: {result['episodes']} episodes in {result['run_wall_s']:.1f} s wall "
            f"({rate:.1f}/s), {result['run_cpu_s']:.1f} s CPU ({cpu_rate:.1f}/s of CPU); "
            f"{result['statements'] / result['episodes']:.0f} SQL statements per episode; "
            f"baseline {result['baseline_calls_per_s']:.0f} calls/s "
            f"({result['baseline_cpu_ms']:.2f} ms CPU each), episodes/baseline {ratio:.4f}; "
            f"set-up {result['prepare_wall_s']:.1f} s; load average {load:.1f}"
        )
    rates = [r["episodes"] / r["run_wall_s"] for r in results]
    cpu_rates = [r["episodes"] / r["run_cpu_s"] for r in results]
    baselines = [r["baseline_calls_per_s"] for r in results]
    say(
        f"median: {statistics.median(rates):.1f} episodes/s wall, "
        f"{statistics.median(cpu_rates):.1f} episodes per CPU second, "
        f"baseline {statistics.median(baselines):.0f} calls/s"
    )
    if args.floor:
        floors = [r["episodes"] / r["floor_wall_s"] for r in results]
        say(f"median SQL floor: at most {statistics.median(floors):.0f} episodes/s")
    say(json.dumps(results[-1]["counts"], indent=1, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--patients", type=int, default=3000)
    for name in ("run", "one"):
        sub = commands.add_parser(name)
        sub.add_argument("--days", type=int, default=2)
        sub.add_argument("--seed", type=int, default=1)
        sub.add_argument("--episodes-per-day", type=int, default=300)
        sub.add_argument("--profile", default="")
        if name == "run":
            sub.add_argument("--runs", type=int, default=3)
            sub.add_argument("--floor", action="store_true", help="also replay the run's SQL")
        else:
            sub.add_argument("--db", required=True)
            sub.add_argument("--record", default="", help="pickle every statement here")
    args = parser.parse_args()
    {"seed": seed, "run": run, "one": one}[args.command](args)


if __name__ == "__main__":
    main()
