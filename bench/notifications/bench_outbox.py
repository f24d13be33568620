"""Notification benchmarks (issue 7 item 1): what a notice costs the request that causes it,
and how many notices one worker delivers per second. Run by hand, never by the tests:

    createdb -h 127.0.0.1 -U postgres onetrip_notify_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_notify_bench \\
        .venv/bin/python bench/notifications/bench_outbox.py --runs 3 --notices 2000

Measured in one process against the database: (a) `notify` inside a transaction (the request
path: one INSERT … ON CONFLICT DO NOTHING); (b) the baseline, the old request path's shape:
the same INSERT followed by delivering it inside the request (what the SMS outbox did through
django-tasks' immediate backend); (c) `deliver_due` draining the queue (the worker). Medians of
the runs, wall and CPU seconds (the machine may be shared: CPU seconds say what was ours).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from onetrip.notifications import services  # noqa: E402
from onetrip.notifications.models import (  # noqa: E402
    DeliveryAttempt,
    Notification,
    SandboxMessage,
)


class Subject:
    """Stands in for the model a notice is about (only its label and pk are read)."""

    class _meta:  # noqa: N801
        label_lower = "bench.subject"

    def __init__(self, pk: int) -> None:
        self.pk = pk


def queue(n: int, run: int, *, deliver_in_request: bool) -> None:
    for i in range(n):
        with transaction.atomic():
            services.notify(
                "billing_link",
                phone=f"139{i:08d}",
                subject=Subject(run * 10**7 + i + (5 * 10**6 if deliver_in_request else 0)),
                params={"link": f"https://onetrip.example/p/bills/{i}"},
            )
        if deliver_in_request:
            services.deliver_due(limit=1)


def timed(fn, *args, **kwargs) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--notices", type=int, default=2000)
    args = parser.parse_args()
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        sys.exit(f"refusing to run against {name!r}: use a database whose name says bench")
    call_command("migrate", verbosity=0)
    results: dict[str, list[tuple[float, float]]] = {"notify": [], "baseline": [], "worker": []}
    for run in range(args.runs):
        for model in (DeliveryAttempt, SandboxMessage, Notification):
            model.objects.all().delete()
        results["baseline"].append(timed(queue, args.notices, run, deliver_in_request=True))
        results["notify"].append(timed(queue, args.notices, run, deliver_in_request=False))
        results["worker"].append(timed(lambda: [None for _ in iter(services.deliver_due, 0)]))
    n = args.notices
    say(f"{connection.vendor}, {n} notices, {args.runs} runs (medians)")
    for label, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        say(f"{label:9s} {wall / n * 1e6:8.0f} µs/notice wall {cpu / n * 1e6:8.0f} µs CPU")
    base = statistics.median(r[0] for r in results["baseline"])
    fast = statistics.median(r[0] for r in results["notify"])
    worker = statistics.median(r[0] for r in results["worker"])
    say(f"request path: {base / fast:.1f}× cheaper than delivering in the request")
    say(f"worker: {n / worker:.0f} notices/s")


if __name__ == "__main__":
    main()
