"""The booking bench's one-line summary, from the result files of the scripts `run_all.sh` ran:

    Release rush: N bookings/s at 200 clients, open-loop 150/s p99 M ms, 0 overbooked

N is the median over release_rush.py's runs, M the p99 of open_loop.py's 150/s run, and
"overbooked" counts pools over capacity or whose counter differs from their live appointments
in any run (it must be 0). Stands alone: reads JSON, needs no database.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import say  # noqa: E402

VAR = Path(__file__).resolve().parents[2] / "var"


def load(name: str) -> dict:
    path = VAR / name
    if not path.exists():
        sys.exit(f"{path} is missing: run bench/booking/run_all.sh")
    return json.loads(path.read_text())


def main() -> None:
    rush = load("bench-booking-rush.json")
    open_loop = load("bench-booking-open-loop.json")
    profile = load("bench-booking-profile.json")
    clients = rush["args"]["clients"]
    per_s = statistics.median(run["http"]["bookings_per_s"] for run in rush["runs"])
    checks = [run["checks"] for run in rush["runs"]] + [run["checks"] for run in open_loop["runs"]]
    overbooked = sum(
        c["overbooked_pools"] + c["pools_whose_counter_differs_from_live_appointments"]
        for c in checks
    )
    by_rate = {run["rate_per_s"]: run for run in open_loop["runs"]}
    for rate, run in sorted(by_rate.items()):
        say(
            f"open-loop {rate:g}/s: p50 {run['p50_ms']:.0f} ms, p95 {run['p95_ms']:.0f} ms, "
            f"p99 {run['p99_ms']:.0f} ms, {run['bookings']} booked of {run['requests']}"
        )
    for run in rush["runs"]:
        for name, bench in run["pgbench"].items():
            rate = bench.get("calls_per_s", bench.get("tps"))
            say(f"pgbench {name}: {rate:.0f}/s, bookings {bench['bookings_per_s']:.0f}/s")
    read = profile["slot_list_read"]
    say(
        f"per booking: {profile['app_cpu_ms_per_booking']} ms application CPU, "
        f"{profile['postgres_cpu_ms_per_booking']} ms PostgreSQL CPU, "
        f"{profile['sql_per_booking']} statements; slot-list read {read['wall_ms_per_read']} ms "
        f"({read['app_cpu_ms_per_read']} ms application CPU)"
    )
    p99 = by_rate.get(150.0, {}).get("p99_ms")
    p99_text = f"{p99:.0f} ms" if p99 is not None else "not run"
    say(
        f"Release rush: {per_s:.0f} bookings/s at {clients} clients, "
        f"open-loop 150/s p99 {p99_text}, {overbooked} overbooked"
    )


if __name__ == "__main__":
    main()
