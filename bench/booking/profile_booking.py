"""Where one HTTP booking's time goes: application CPU, PostgreSQL CPU, SQL statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench \
        .venv/bin/python bench/booking/profile_booking.py --bookings 300

Sends background bookings (API key) one after another through Django's request handler
in-process (the same middleware, API and services gunicorn runs, minus the socket), and reads
the CPU time this process and its PostgreSQL backend used from /proc (both on this machine).
Run it after release_rush.py's reset, i.e. right after a release_rush.py run or on a fresh seed.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, load_state, say, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from release_rush import (  # noqa: E402
    BOOK_PATH,
    background_jobs,
    reset_bookings,
    sign_in_rush_users,
)

RESULTS_FILE = ROOT / "var" / "bench-booking-profile.json"

CLOCK_TICKS = 100  # USER_HZ on Linux


def backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--reads", type=int, default=300, help="slot-list reads to time")
    parser.add_argument(
        "--app-users",
        type=int,
        default=0,
        help="also time N app users' bookings of the popular session (signed-in patients, who "
        "pay the registration fee on the phone: D343), at most 280",
    )
    parser.add_argument(
        "--cprofile",
        type=int,
        metavar="N",
        default=0,
        help="after the timed runs, print where the CPU of N more bookings and N more slot-list "
        "reads goes (cProfile, cumulative)",
    )
    args = parser.parse_args()
    reset_bookings()
    state = load_state()
    jobs = background_jobs(state)
    client = Client()
    warm, measured = jobs[:20], jobs[20 : 20 + args.bookings]
    warm_statuses = {book(client, job) for job in warm}
    if warm_statuses != {201}:
        sys.exit(f"warm-up bookings answered {warm_statuses}, not 201: is the database migrated?")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    statuses: collections.Counter = collections.Counter()
    kinds: collections.Counter = collections.Counter()
    app_before, db_before = time.process_time(), backend_cpu_seconds(backend)
    wall_before = time.perf_counter()

    def count(execute, sql, params, many, context):
        kinds[statement_kind(sql)] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        for job in measured:
            statuses[book(client, job)] += 1
    wall = time.perf_counter() - wall_before
    app = time.process_time() - app_before
    db = backend_cpu_seconds(backend) - db_before
    n = len(measured)
    result = {
        "bookings": n,
        "statuses": dict(statuses),
        "wall_ms_per_booking": round(1000 * wall / n, 2),
        "app_cpu_ms_per_booking": round(1000 * app / n, 2),
        "postgres_cpu_ms_per_booking": round(1000 * db / n, 2),
        "sql_per_booking": round(sum(kinds.values()) / n, 1),
        "sql_by_kind_per_booking": {k: round(v / n, 1) for k, v in kinds.most_common()},
        "ceiling_bookings_per_s_on_2_cores": round(2 / ((app + db) / n)),
        "slot_list_read": time_slot_list(client, state, backend, args.reads),
    }
    if args.app_users:
        result["app_user_booking"] = time_app_users(client, state, backend, args.app_users)
    say(json.dumps(result, indent=1))
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    if args.cprofile:
        profiled = jobs[20 + args.bookings : 20 + args.bookings + args.cprofile]
        say(where_cpu_goes(lambda: [book(client, job) for job in profiled]))
        path = slot_list_path(state)
        say(where_cpu_goes(lambda: [client.get(path) for _ in range(args.cprofile)]))


def where_cpu_goes(work) -> str:
    """cProfile's cumulative listing of `work` (profiling inflates the total; read the shares)."""
    profile = cProfile.Profile(time.process_time)
    profile.runcall(work)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(60)
    return out.getvalue()


def time_slot_list(client: Client, state: dict, backend: int, reads: int) -> dict:
    """The read that precedes a booking: the popular session's times as the app shows them."""
    path = slot_list_path(state)
    client.get(path)  # warm
    app_before, db_before = time.process_time(), backend_cpu_seconds(backend)
    wall_before = time.perf_counter()
    for _ in range(reads):
        if client.get(path).status_code != 200:
            sys.exit(f"{path} did not answer 200")
    wall = time.perf_counter() - wall_before
    app = time.process_time() - app_before
    db = backend_cpu_seconds(backend) - db_before
    return {
        "reads": reads,
        "wall_ms_per_read": round(1000 * wall / reads, 2),
        "app_cpu_ms_per_read": round(1000 * app / reads, 2),
        "postgres_cpu_ms_per_read": round(1000 * db / reads, 2),
    }


def time_app_users(client: Client, state: dict, backend: int, count: int) -> dict:
    """An app user's booking as the rush sends it (the user's session cookie and CSRF token, an
    Idempotency-Key), one user after another on the popular session's free times: CPU and
    statements per booking, the registration fee included."""
    users = sign_in_rush_users(state["rush_patient_ids"][: count + 20])
    listing = json.loads(client.get(slot_list_path(state)).content)
    free = [slot["id"] for slot in listing["slots"] for _ in range(slot["remaining"])]

    def book_as(user, slot_id: int) -> int:
        return client.post(
            BOOK_PATH,
            json.dumps({"patient_id": user.patient_id, "slot_id": slot_id, "channel": "app"}),
            content_type="application/json",
            headers={**user.headers, "Idempotency-Key": f"profile-app-{user.patient_id}"},
        ).status_code

    warm = {book_as(user, slot_id) for user, slot_id in zip(users[:20], free[:20], strict=False)}
    if warm != {201}:
        sys.exit(f"warm-up app bookings answered {warm}, not 201")
    measured = list(zip(users[20:], free[20:], strict=False))
    kinds: collections.Counter = collections.Counter()
    statuses: collections.Counter = collections.Counter()

    def count_statement(execute, sql, params, many, context):
        kinds[statement_kind(sql)] += 1
        return execute(sql, params, many, context)

    app_before, db_before = time.process_time(), backend_cpu_seconds(backend)
    with connection.execute_wrapper(count_statement):
        for user, slot_id in measured:
            statuses[book_as(user, slot_id)] += 1
    app = time.process_time() - app_before
    db = backend_cpu_seconds(backend) - db_before
    n = len(measured)
    return {
        "bookings": n,
        "statuses": dict(statuses),
        "app_cpu_ms_per_booking": round(1000 * app / n, 2),
        "postgres_cpu_ms_per_booking": round(1000 * db / n, 2),
        "sql_per_booking": round(sum(kinds.values()) / n, 1),
        "sql_by_kind_per_booking": {k: round(v / n, 1) for k, v in kinds.most_common()},
    }


def slot_list_path(state: dict) -> str:
    return f"/api/scheduling/sessions/{state['popular_session_id']}/slots?channel=app"


def book(client: Client, job) -> int:
    response = client.post(
        BOOK_PATH,
        json.dumps({"patient_id": job.patient_id, "slot_id": job.slot_id, "channel": job.channel}),
        content_type="application/json",
        headers={
            "X-Api-Key": job.api_key,
            "Idempotency-Key": f"profile-{job.patient_id}-{job.slot_id}",
        },
    )
    return response.status_code


def statement_kind(sql: str) -> str:
    """ "SELECT scheduling_appointment", "UPDATE scheduling_slotpool", "SAVEPOINT", …"""
    words = sql.split()
    verb = words[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    return f"{verb} {table.group(1)}" if table and verb != "SAVEPOINT" else verb


if __name__ == "__main__":
    main()
