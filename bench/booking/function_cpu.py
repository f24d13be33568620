"""PostgreSQL's CPU per `scheduling_book` call, the database's own cost of a booking with every
rule (issue 14, D280).

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench \
        .venv/bin/python bench/booking/function_cpu.py --clients 8 --seconds 15 --runs 3

Each run resets the bookings (as release_rush.py does), then runs pgbench with the script
release_rush.py uses for `scheduling_book` (a random background patient on a random time of the
coming week, as the window books) and reads from /proc the CPU used meanwhile by the cluster:
the postmaster, its children, and the children that ended (the postmaster's reaped time). The
figure that matters is CPU per call and per booking made: unlike calls/s it does not depend on
what else the machine is doing (much), so before and after can be compared on a shared machine.
`--serial N` measures one backend instead: N calls, one transaction each, on one connection,
the backend's own CPU only (no walwriter, no contention).

Only the bench database's cluster must be on the machine's /proc (a local server)."""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import release_rush  # noqa: E402  (sets Django up)
from common import load_state, median, say  # noqa: E402
from django.db import connection  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def stat(pid: int) -> list[str]:
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def cluster_cpu(postmaster: int) -> float:
    """CPU seconds used so far by the cluster: the postmaster with its reaped children, and
    its live children."""
    fields = stat(postmaster)
    total = sum(int(f) for f in fields[11:15]) / TICKS
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = stat(int(entry.name))
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def appointments() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scheduling_appointment")
        return cursor.fetchone()[0]


def pgbench_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")
        count = cursor.fetchone()[0]
    connection.close()
    return count


def pgbench_run(clients: int, seconds: int, state: dict) -> dict:
    release_rush.reset_bookings()
    script, defines = release_rush.function_script(state)
    postmaster = release_rush.postmaster_pid()
    before_rows = appointments()
    connection.close()
    command = [
        "pgbench", "-n", "-T", str(seconds), "-c", str(clients), "-j", "2",
        *defines, "-f", str(script),
    ]  # fmt: skip
    load = os.getloadavg()[0]
    cpu = cluster_cpu(postmaster)
    wall = time.perf_counter()
    output = subprocess.run(
        command, env=release_rush.pgbench_env(), check=True, capture_output=True, text=True
    ).stdout
    wall = time.perf_counter() - wall
    # pgbench's backends end after it does: their time counts once the postmaster has reaped them.
    while pgbench_backends():
        time.sleep(0.1)
    time.sleep(0.5)
    cpu = cluster_cpu(postmaster) - cpu
    calls = int(next(line for line in output.splitlines() if "processed:" in line).split()[-1])
    tps = float(next(line for line in output.splitlines() if line.startswith("tps")).split()[2])
    booked = appointments() - before_rows
    return {
        "command": shlex.join(command),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "calls": calls,
        "calls_per_s": round(tps, 1),
        "bookings": booked,
        "postgresql_cpu_s": round(cpu, 2),
        "postgresql_cores": round(cpu / wall, 2),
        "cpu_ms_per_call": round(1000 * cpu / calls, 3),
        "cpu_ms_per_booking": round(1000 * cpu / booked, 3) if booked else None,
    }


def serial_run(calls: int, state: dict) -> dict:
    """One connection, `calls` calls in their own transactions; the backend's own CPU."""
    release_rush.reset_bookings()
    script, defines = release_rush.function_script(state)
    values = dict(d.split("=") for d in defines[1::2])
    call = script.read_text().splitlines()[-1].replace(":pid", "%s").replace(":sid", "%s")
    rng = random.Random(14)
    pairs = [
        (
            rng.randint(int(values["plo"]), int(values["phi"])),
            rng.randint(int(values["slo"]), int(values["shi"])),
        )
        for _ in range(calls)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    connection.set_autocommit(True)
    before_rows = appointments()
    fields = stat(pid)
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    with connection.cursor() as cursor:
        for pair in pairs:
            cursor.execute(call, pair)
    fields = stat(pid)
    cpu = (int(fields[11]) + int(fields[12])) / TICKS - cpu
    booked = appointments() - before_rows
    return {
        "calls": calls,
        "bookings": booked,
        "backend_cpu_s": round(cpu, 2),
        "cpu_ms_per_call": round(1000 * cpu / calls, 3),
        "cpu_ms_per_booking": round(1000 * cpu / booked, 3) if booked else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serial", type=int, default=0, help="calls on one connection instead")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    state = load_state()
    runs = []
    for _ in range(args.runs):
        run = (
            serial_run(args.serial, state)
            if args.serial
            else pgbench_run(args.clients, args.seconds, state)
        )
        say(args.label, json.dumps(run))
        runs.append(run)
    summary = {
        key: median([run[key] for run in runs])
        for key in ("cpu_ms_per_call", "cpu_ms_per_booking", "calls_per_s")
        if all(run.get(key) is not None for run in runs)
    }
    say(args.label, "median", json.dumps(summary))


if __name__ == "__main__":
    main()
