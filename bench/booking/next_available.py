""""Next available times of department X across the consortium" over a large slot-pool table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench \
        .venv/bin/python bench/booking/next_available.py --runs 3 --queries 200

Times `onetrip.scheduling.services.availability.next_available(department_ids=..., channel=...,
now=...)` in-process (no HTTP), for every department code of the seeded consortium, `--queries`
calls per code and channel per run. Prints p50/p95 per run and their medians, the number of SQL
statements per call, and EXPLAIN (ANALYZE, BUFFERS) of the main query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    ROOT,
    machine_facts,
    median,
    percentile,
    say,
    setup_django,
    statements,
)

setup_django()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from onetrip.consortium.models import Department  # noqa: E402
from onetrip.core import clock  # noqa: E402
from onetrip.scheduling.models import SchedulingPolicy, SessionStatus, SlotPool  # noqa: E402
from onetrip.scheduling.quotas import pool_horizons  # noqa: E402
from onetrip.scheduling.services import availability  # noqa: E402
from onetrip.scheduling.services.availability import NextSlot, next_available  # noqa: E402

RESULTS_FILE = ROOT / "var" / "bench-booking-next-available.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200, help="calls per code and run")
    parser.add_argument("--codes", default="IM,CARD", help="department codes to look up")
    parser.add_argument("--channels", default="app,primary_care")
    args = parser.parse_args()

    facts = machine_facts()
    say("machine:", json.dumps(facts, ensure_ascii=False))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE scheduling_slotpool")
    now = clock.now()
    facts["slot_pools"] = SlotPool.objects.count()
    facts["future_pools"] = SlotPool.objects.filter(starts_at__gt=now).count()
    say(f"{facts['slot_pools']} slot pools, {facts['future_pools']} in the future")

    cases = [
        (code, channel, list(Department.objects.filter(code=code).values_list("pk", flat=True)))
        for code in args.codes.split(",")
        for channel in args.channels.split(",")
    ]
    results: dict[str, dict] = {}
    for code, channel, department_ids in cases:
        measure(
            results,
            f"{code} ({len(department_ids)} departments), {channel}",
            department_ids,
            channel,
            args,
        )

    # One hospital department with rules of its own (here a 7-day window) is common; with any
    # override in the consortium, next_available looks up each candidate's own rules.
    code, channel, department_ids = cases[0]
    override = SchedulingPolicy.objects.create(
        institution_id=Department.objects.get(pk=department_ids[-1]).institution_id,
        department_id=department_ids[-1],
        rules={"window_days": 7},
    )
    try:
        measure(
            results,
            f"{code}, {channel}, one department with its own rules",
            department_ids,
            channel,
            args,
        )
    finally:
        override.delete()

    plans = {label: explain(f, department_ids, channel) for label, f in IMPLEMENTATIONS.items()}
    for label, plan in plans.items():
        say(f"--- EXPLAIN, {label}\n{plan}")
    RESULTS_FILE.write_text(
        json.dumps(
            {
                "machine": facts,
                "command": shlex.join(sys.argv),
                "results": results,
                "explain": plans,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    say("| department code, channel, implementation | p50 ms | p95 ms | SQL per call | same |")
    say("|---|---|---|---|---|")
    for name, row in results.items():
        say(
            f"| {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['sql_per_call']} "
            f"| {row['same_answer_as_current']} |"
        )


def measure(results: dict, case: str, department_ids: list[int], channel: str, args) -> None:
    now = clock.now()
    same = next_available(
        department_ids=department_ids, channel=channel, now=now
    ) == proposed_next_available(department_ids=department_ids, channel=channel, now=now)
    for label, function in IMPLEMENTATIONS.items():
        per_run = [
            time_calls(function, department_ids, channel, args.queries) for _ in range(args.runs)
        ]
        results[f"{case}, {label}"] = row = {
            "runs": per_run,
            "p50_ms": median([r["p50_ms"] for r in per_run]),
            "p95_ms": median([r["p95_ms"] for r in per_run]),
            "sql_per_call": per_run[0]["sql_per_call"],
            "same_answer_as_current": same,
        }
        say(f"{case}, {label}: {json.dumps(row)}")


def time_calls(function, department_ids: list[int], channel: str, calls: int) -> dict:
    timings = []
    found = 0
    for _ in range(calls):
        tick = time.perf_counter()
        found = len(function(department_ids=department_ids, channel=channel, now=clock.now()))
        timings.append(time.perf_counter() - tick)
    with statements() as sent:
        function(department_ids=department_ids, channel=channel, now=clock.now())
    return {
        "p50_ms": round(1000 * percentile(timings, 50), 2),
        "p95_ms": round(1000 * percentile(timings, 95), 2),
        "max_ms": round(1000 * max(timings), 2),
        "found": found,
        "sql_per_call": len(sent),
    }


def explain(function, department_ids: list[int], channel: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the first statement that scans the slot pools."""
    with statements() as sent:
        function(department_ids=department_ids, channel=channel, now=clock.now())
    main_sql = next(sql for sql in sent if "scheduling_slotpool" in sql)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main_sql)
        lines = [row[0] for row in cursor.fetchall()]
    return main_sql + "\n\n" + "\n".join(lines)


# --- the proposed change, measured beside the current one -----------------------------------
#
# Not application code: a drop-in for availability.next_available that the benchmark times and
# checks against the real function (same answer), to show what the index can do.


def proposed_next_available(
    *, department_ids: list[int], channel: str, now, limit: int = 10
) -> list[NextSlot]:
    """As availability.next_available, but the free pools are read as one short index range per
    (department, pool kind), each in starts_at order and only as far as the page needs, and
    bounded by the release horizon on the pool's own starts_at (no join needed to stop); and
    each candidate's own rules come from the overrides already loaded, not a query each."""
    overrides = list(SchedulingPolicy.objects.all())
    horizons = pool_horizons(channel, now, availability._widest_policy(overrides))
    found: dict[int, NextSlot] = {}
    batch = limit * 4
    start = 0
    while True:
        pools = candidate_page(department_ids, horizons, now, start, batch)
        if availability.collect_open_slots(
            pools, channel=channel, now=now, overrides=overrides, found=found, limit=limit
        ):
            return list(found.values())
        if len(pools) < batch:
            return list(found.values())
        start += batch


# For each department and each pool kind open to the channel, walk the partial index
# pool_free_by_department (department, kind, starts_at) WHERE booked < capacity from `now` in
# time order, stopping at the release horizon or after `upto` rows: at most
# departments × kinds × upto index entries, whatever the size of the table.
CANDIDATES_SQL = """
SELECT p.id FROM unnest(%(departments)s::bigint[]) AS d(id)
CROSS JOIN unnest(%(kinds)s::text[], %(until)s::timestamptz[]) AS k(kind, until)
CROSS JOIN LATERAL (
    SELECT pool.id, pool.starts_at, pool.slot_id
    FROM scheduling_slotpool pool
    JOIN scheduling_slot slot ON slot.id = pool.slot_id
    JOIN scheduling_clinicsession session ON session.id = slot.session_id
    WHERE pool.department_id = d.id AND pool.kind = k.kind
      AND pool.starts_at > %(now)s AND pool.starts_at < k.until
      AND pool.booked < pool.capacity AND session.status = %(open)s
    ORDER BY pool.starts_at, pool.slot_id, pool.id
    LIMIT %(upto)s
) p
ORDER BY p.starts_at, p.slot_id, p.id
OFFSET %(start)s LIMIT %(batch)s
"""
NO_HORIZON = dt.datetime.max.replace(tzinfo=dt.UTC)


def candidate_page(department_ids, horizons, now, start: int, batch: int) -> list[SlotPool]:
    kinds = list(horizons)
    params = {
        "departments": department_ids,
        "kinds": kinds,
        "until": [day_after(d) if d is not None else NO_HORIZON for d in horizons.values()],
        "now": now,
        "open": SessionStatus.OPEN,
        "upto": start + batch,
        "start": start,
        "batch": batch,
    }
    with connection.cursor() as cursor:
        cursor.execute(CANDIDATES_SQL, params)
        pks = [pk for (pk,) in cursor.fetchall()]
    return list(
        SlotPool.objects.filter(pk__in=pks)
        .select_related("slot__session")
        .order_by("starts_at", "slot_id", "pk")
    )


def day_after(day: dt.date) -> dt.datetime:
    """Midnight (local time) ending `day`: a session's slots start on the session's date."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


IMPLEMENTATIONS = {"current": next_available, "proposed": proposed_next_available}

if __name__ == "__main__":
    main()
