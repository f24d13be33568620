"""Dispatch under load (issue 22): a hundred calls dispatched at once against one centre's
fleet while the dispatcher's board is read, and the board checked afterwards. Run by hand,
never by the tests:

    createdb -h 127.0.0.1 -U postgres onetrip_emergency_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_emergency_bench \\
        .venv/bin/python bench/emergency/bench_dispatch.py --runs 3 --calls 100 --ambulances 60

Each run builds a fresh centre (5 zones, road times, `--ambulances` ambulances, `--calls` calls
taken through the service), then releases `--workers` dispatcher threads together (each its own
database connection; PostgreSQL here allows 100 connections in all), which take the calls from
one queue and send the nearest free ambulance to each (`dispatch_nearest`), while a
reader thread renders the board's data (`services.board`) in a loop. Afterwards it checks the
board: no ambulance on two open runs, every ambulance marked on a run has exactly one, runs =
min(calls, ambulances), the calls without an ambulance are the board's open calls and were
told none was free. The baseline, in the same run, dispatches the same number of calls one
after another on a fresh centre. Medians of the runs; the machine may be shared, so CPU seconds
of this process are reported beside wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from onetrip.consortium import services as consortium  # noqa: E402
from onetrip.consortium.models import InstitutionLevel  # noqa: E402
from onetrip.core.actors import SYSTEM, Actor, ActorKind  # noqa: E402
from onetrip.core.errors import DomainError  # noqa: E402
from onetrip.emergency import services  # noqa: E402
from onetrip.emergency.models import (  # noqa: E402
    Ambulance,
    AmbulanceStatus,
    AreaType,
    Call,
    CallStatus,
    RoadTime,
    Run,
    Zone,
)

ZONES = 5


def centre(tag: str, ambulances: int, calls: int) -> tuple[Actor, list[int]]:
    institution = consortium.create_institution(
        code=f"EMGB-{tag}", name=f"急救中心 {tag}", level=InstitutionLevel.TERTIARY, actor=SYSTEM
    )
    profile = consortium.create_staff_account(
        username=f"dispatcher-{tag}",
        password="bench-password-1",
        full_name="调度员",
        institution=institution,
        roles=["dispatcher"],
        actor=SYSTEM,
    )
    actor = Actor(
        kind=ActorKind.STAFF,
        label=profile.user.username,
        user=profile.user,
        institution_id=institution.pk,
    )
    zones = [
        Zone.objects.create(
            institution=institution,
            code=f"Z{i}",
            name=f"分区{i}",
            area_type=AreaType.CITY_CENTRE if i == 0 else AreaType.COUNTY_CENTRE,
        )
        for i in range(ZONES)
    ]
    RoadTime.objects.bulk_create(
        RoadTime(origin=a, destination=b, minutes=5 + 7 * abs(i - j))
        for i, a in enumerate(zones)
        for j, b in enumerate(zones)
        if i <= j
    )
    Ambulance.objects.bulk_create(
        Ambulance(institution=institution, call_sign=f"A{n:03d}", base_zone=zones[n % ZONES])
        for n in range(ambulances)
    )
    call_ids = [
        services.take_call(
            services.CallIn(
                caller_phone="13900000000",
                zone_id=zones[n % ZONES].pk,
                address=f"测试路 {n} 号",
                complaint="胸痛",
                answers={"chest_pain": True},
            ),
            actor=actor,
        ).pk
        for n in range(calls)
    ]
    return actor, call_ids


def rush(actor: Actor, call_ids: list[int], workers: int) -> dict:
    barrier = threading.Barrier(workers + 1)
    queue = list(range(len(call_ids)))
    taking = threading.Lock()
    latencies: list[float] = [0.0] * len(call_ids)
    outcomes: list[str] = [""] * len(call_ids)
    board_reads: list[float] = []
    done = threading.Event()

    def next_call() -> int | None:
        with taking:
            return queue.pop() if queue else None

    def dispatch_all() -> None:
        barrier.wait()
        while (index := next_call()) is not None:
            started = time.perf_counter()
            try:
                services.dispatch_nearest(call_ids[index], actor=actor)
                outcomes[index] = "dispatched"
            except DomainError as exc:
                outcomes[index] = exc.code
            except Exception as exc:  # a deadlock or an integrity error: the bench fails
                outcomes[index] = repr(exc)
            latencies[index] = time.perf_counter() - started
        connection.close()

    def read_board() -> None:
        barrier.wait()
        while not done.is_set():
            started = time.perf_counter()
            services.board(actor=actor)
            board_reads.append(time.perf_counter() - started)
        connection.close()

    threads = [threading.Thread(target=dispatch_all) for _ in range(workers)]
    reader = threading.Thread(target=read_board)
    for thread in [*threads, reader]:
        thread.start()
    cpu, wall = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    reader.join()
    return {
        "wall": wall,
        "cpu": cpu,
        "latencies": latencies,
        "outcomes": outcomes,
        "board_reads": board_reads,
    }


def check(actor: Actor, call_ids: list[int], outcomes: list[str], ambulances: int) -> None:
    runs = Run.objects.filter(call_id__in=call_ids)
    open_by_ambulance = list(runs.filter(closed=False).values_list("ambulance_id", flat=True))
    assert len(open_by_ambulance) == len(set(open_by_ambulance)), "an ambulance sent twice"
    on_run = set(
        Ambulance.objects.filter(
            institution_id=actor.institution_id, status=AmbulanceStatus.ON_RUN
        ).values_list("pk", flat=True)
    )
    assert on_run == set(open_by_ambulance), "ambulance status and open runs disagree"
    expected = min(len(call_ids), ambulances)
    assert runs.count() == expected == outcomes.count("dispatched"), outcomes
    assert outcomes.count("none_free") == len(call_ids) - expected, outcomes
    board = services.board(actor=actor)
    waiting = {item.call.pk for item in board.open_calls}
    assert waiting == set(
        Call.objects.filter(pk__in=call_ids, status=CallStatus.OPEN).values_list("pk", flat=True)
    )
    assert len(waiting) == len(call_ids) - expected
    assert {run.pk for run in board.runs} == set(runs.values_list("pk", flat=True))


def sequential(actor: Actor, call_ids: list[int]) -> list[float]:
    latencies = []
    for call_id in call_ids:
        started = time.perf_counter()
        with contextlib.suppress(DomainError):  # none free: timed too, as in the rush
            services.dispatch_nearest(call_id, actor=actor)
        latencies.append(time.perf_counter() - started)
    return latencies


def report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--ambulances", type=int, default=60)
    # Dispatchers at work at once (each its own connection; the server allows 100 in all).
    parser.add_argument("--workers", type=int, default=40)
    args = parser.parse_args()
    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("refusing a database whose name lacks 'bench'")
    call_command("migrate", verbosity=0)
    stamp = time.strftime("%H%M%S")
    rows = []
    for n in range(args.runs):
        actor, call_ids = centre(f"{stamp}-{n}", args.ambulances, args.calls)
        result = rush(actor, call_ids, args.workers)
        check(actor, call_ids, result["outcomes"], args.ambulances)
        base_actor, base_calls = centre(f"{stamp}-{n}b", args.ambulances, args.calls)
        baseline = sequential(base_actor, base_calls)
        row = {
            "wall": result["wall"],
            "cpu": result["cpu"],
            "median": statistics.median(result["latencies"]),
            "p95": statistics.quantiles(result["latencies"], n=20)[18],
            "board_reads": len(result["board_reads"]),
            "board_median": statistics.median(result["board_reads"] or [0.0]),
            "baseline_total": sum(baseline),
            "baseline_median": statistics.median(baseline),
        }
        rows.append(row)
        report(
            f"run {n + 1}: rush {ms(row['wall'])} ms wall, {ms(row['cpu'])} ms CPU; dispatch "
            f"median {ms(row['median'])} ms, p95 {ms(row['p95'])} ms; board {row['board_reads']} "
            f"reads, median {ms(row['board_median'])} ms; baseline one by one "
            f"{ms(row['baseline_total'])} ms total, median {ms(row['baseline_median'])} ms; "
            "board correct"
        )
    medians = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
    report(
        f"median: rush {ms(medians['wall'])} ms for {args.calls} calls "
        f"({args.calls / medians['wall']:.0f} dispatches/s), dispatch median "
        f"{ms(medians['median'])} ms, p95 {ms(medians['p95'])} ms, board median "
        f"{ms(medians['board_median'])} ms; baseline {ms(medians['baseline_total'])} ms "
        f"(ratio rush/baseline {medians['wall'] / medians['baseline_total']:.2f})"
    )


if __name__ == "__main__":
    main()
