"""Release rush through the HTTP API, with raw PostgreSQL (pgbench) measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench \
        .venv/bin/python bench/booking/release_rush.py --runs 3

Each run:
1. resets every booking (appointments, their SMS and audit rows, pool counters), so runs are
   equal;
2. starts gunicorn with production settings (ONETRIP_DEBUG=0, CONN_MAX_AGE kept) and the
   production server configuration (`gunicorn.conf.py`, D321; `--gunicorn` adds options) and
   warms each worker up with reads;
3. drives the API from `--clients` threads (one keep-alive http.client connection each) for
   `--duration` seconds, and longer while app users still wait for their turn: background
   bookings (`POST /api/scheduling/appointments`) across the consortium's 1,000 doctors through
   the institutions' API keys from the start, and from `--rush-at` seconds the 2,000 app users,
   each with their own signed-in session, racing for the 300 app units of the popular doctor's
   session on up to `--rush-clients` of the threads: a user reads the session's times
   (`GET /api/scheduling/sessions/{id}/slots`), books one still shown free, reads again if it
   was taken meanwhile, and gives up when none is left;
4. checks the database: no pool over capacity, every pool's counter equal to its live
   appointments, no patient twice in a session, every 201 a stored booking and nothing else;
5. runs pgbench on a copy of the pool table with the single-statement conditional UPDATE +
   INSERT (book_cte, performance anchors §2.5) at the same client count, then at 32 clients.

Results go to stdout (a Markdown table for docs/benchmarks.md) and var/bench-booking-rush.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import importlib
import json
import os
import queue
import random
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    HISTORY_BOOKED_BY,
    ROOT,
    load_state,
    machine_facts,
    median,
    percentile,
    say,
    setup_django,
)

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from onetrip.core import clock  # noqa: E402
from onetrip.identity.models import (  # noqa: E402
    AffiliationReason,
    PatientAffiliation,
    ProxyGrant,
    Relationship,
)
from onetrip.scheduling.models import (  # noqa: E402
    ACTIVE_STATUSES,
    BookingChannel,
    ClinicSession,
    SlotPool,
)
from onetrip.scheduling.policy import DEFAULT_POLICY  # noqa: E402
from onetrip.scheduling.quotas import pool_horizons  # noqa: E402
from onetrip.scheduling.services import booking  # noqa: E402
from onetrip.scheduling.services.booking_database import DEFAULT_POLICY_JSON  # noqa: E402
from onetrip.web.sessions import SESSION_KEY  # noqa: E402

BOOK_PATH = "/api/scheduling/appointments"
HERE = Path(__file__).resolve().parent
RESULTS_FILE = ROOT / "var" / "bench-booking-rush.json"
GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"


def app_pool_kinds(session_id: int) -> list[str]:
    """The pools of a session the app may book from now: its shared online units and, once
    unused primary-care units have returned to the shared pool (7 days before the visit, seed
    000), those too."""
    day = ClinicSession.objects.values_list("date", flat=True).get(pk=session_id)
    horizons = pool_horizons(BookingChannel.APP, clock.now(), DEFAULT_POLICY)
    return [kind for kind, last in horizons.items() if last is None or day <= last]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--duration",
        type=float,
        default=90.0,
        help="seconds of load, longer while app users still wait",
    )
    parser.add_argument("--clients", type=int, default=200, help="concurrent HTTP clients")
    parser.add_argument("--rush-clients", type=int, default=150, help="of which serve the rush")
    parser.add_argument("--rush-at", type=float, default=5.0, help="seconds into the load")
    parser.add_argument(
        "--gunicorn",
        default="",
        help="gunicorn options besides -b (default: the production gunicorn.conf.py alone)",
    )
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--pgbench-clients", default="200,32")
    parser.add_argument("--skip-pgbench", action="store_true")
    args = parser.parse_args()

    state = load_state()
    facts = machine_facts()
    say("machine:", json.dumps(facts, ensure_ascii=False))
    runs = []
    for number in range(1, args.runs + 1):
        say(f"--- run {number}/{args.runs}")
        reset_bookings()
        plan = make_plan(state)
        load_before = os.getloadavg()[0]
        with gunicorn(args, state["popular_session_id"]) as server:
            before = cpu_snapshot()
            http_result = drive(plan, args)
            cpu = cpu_split(
                before,
                cpu_snapshot(),
                server.process.pid,
                http_result.duration,
                len(http_result.samples),
            )
        load_after = os.getloadavg()[0]
        checks = verify(http_result, state)
        raw = {} if args.skip_pgbench else pgbench_all(args, state)
        run = {
            "loadavg_1min_before": round(load_before, 2),
            "loadavg_1min_after_http": round(load_after, 2),
            "http": http_result.summary(),
            "cpu": cpu,
            "checks": checks,
            "pgbench": raw,
        }
        say(json.dumps(run, indent=1))
        runs.append(run)
    report = {"machine": facts, "args": vars(args), "command": shlex.join(sys.argv), "runs": runs}
    RESULTS_FILE.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    say(markdown(report))


# --- state between runs ---------------------------------------------------------------------


def reset_bookings() -> None:
    """Forget every booking but the seeded history: the benchmark database only
    (common.setup_django checks the name). Audit rows, domain events and notices written by
    bookings go too, so every run starts equal; a pool keeps the count of its past visits."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scheduling_waitlistentry")
        cursor.execute(
            "DELETE FROM scheduling_appointment WHERE booked_by <> %s", [HISTORY_BOOKED_BY]
        )
        cursor.execute("DELETE FROM core_auditevent WHERE object_type = 'scheduling.appointment'")
        cursor.execute("DELETE FROM core_domainevent")
        cursor.execute("DELETE FROM notifications_deliveryattempt")
        cursor.execute("DELETE FROM notifications_sandboxmessage")
        cursor.execute("DELETE FROM notifications_notification")
        cursor.execute("DELETE FROM identity_patientaffiliation WHERE reason = 'appointment'")
        cursor.execute("DELETE FROM django_session")
        cursor.execute(
            "UPDATE scheduling_slotpool p SET booked = 0 WHERE booked <> 0"
            " AND NOT EXISTS (SELECT FROM scheduling_appointment a WHERE a.pool_id = p.id)"
        )
    with connection.cursor() as cursor:
        for table in (
            "scheduling_slotpool",
            "scheduling_appointment",
            "core_auditevent",
            "core_domainevent",
            "notifications_notification",
            "identity_patientaffiliation",
            "django_session",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("CHECKPOINT")


# --- what the clients will send -------------------------------------------------------------


@dataclass(frozen=True)
class RushUser:
    patient_id: int
    headers: dict[str, str]


@dataclass(frozen=True)
class Job:
    patient_id: int
    slot_id: int
    channel: str
    api_key: str


@dataclass
class Plan:
    rush_users: list[RushUser]
    slots_path: str  # the popular session's times, as the app reads them
    jobs: list[Job]


def make_plan(state: dict) -> Plan:
    return Plan(
        rush_users=sign_in_rush_users(state["rush_patient_ids"]),
        slots_path=f"/api/scheduling/sessions/{state['popular_session_id']}/slots?channel=app",
        jobs=background_jobs(state),
    )


def sign_in_rush_users(patient_ids: list[int]) -> list[RushUser]:
    """Each app user's own signed-in session (as the SMS sign-in leaves it) and CSRF token."""
    accounts = dict(
        ProxyGrant.objects.filter(
            patient_id__in=patient_ids, relationship=Relationship.SELF, revoked_at__isnull=True
        ).values_list("patient_id", "account_id")
    )
    # Through the configured engine, as a sign-in writes it (D324: the database and Redis).
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    users = []
    for patient_id in patient_ids:
        session = store()
        session[SESSION_KEY] = accounts[patient_id]
        session.create()
        token = secrets.token_hex(16)  # 32 characters, the CSRF secret's length
        users.append(
            RushUser(
                patient_id,
                {
                    "Content-Type": "application/json",
                    "Cookie": f"sessionid={session.session_key}; csrftoken={token}",
                    "X-CSRFToken": token,
                },
            )
        )
    return users


def background_jobs(state: dict) -> list[Job]:
    """Bookings across the consortium through the institutions' API keys: each background
    patient is booked by the system of the institution that registered them (a key reaches only
    its institution's patients), one time on each day that system can book (the default
    per-person limits allow one a day), on times with a unit open to its channel right now,
    never at the popular doctor."""
    rng = random.Random(7)
    now = clock.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    times_by_channel: dict[str, dict[dt.date, list[int]]] = {}
    for channel in {client["channel"] for client in state["api_clients"]}:
        horizons = pool_horizons(channel, now, DEFAULT_POLICY)
        last = max(d for d in horizons.values() if d is not None)
        candidates = (
            SlotPool.objects.filter(
                kind__in=list(horizons), slot__session__date__range=(tomorrow, last)
            )
            .exclude(slot__session__doctor_id=state["popular_doctor_id"])
            .values_list("slot_id", "kind", "slot__session__date")
        )
        days: dict[dt.date, list[int]] = {}
        for slot_id, kind, day in candidates:
            if horizons[kind] is None or day <= horizons[kind]:
                days.setdefault(day, []).append(slot_id)
        times_by_channel[channel] = days
    client_of = {client["institution_id"]: client for client in state["api_clients"]}
    home = PatientAffiliation.objects.filter(
        patient_id__in=state["background_patient_ids"], reason=AffiliationReason.REGISTERED
    ).values_list("patient_id", "institution_id")
    jobs = []
    for patient_id, institution_id in home:
        client = client_of[institution_id]
        for times in times_by_channel[client["channel"]].values():
            jobs.append(Job(patient_id, rng.choice(times), client["channel"], client["key"]))
    rng.shuffle(jobs)
    return jobs


# --- who used the CPU ------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_snapshot() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) for every process on the machine, with that
    of its children that ended: a PostgreSQL backend whose connection reached CONN_MAX_AGE
    during the load has gone by the second snapshot, its CPU with the postmaster's."""
    snapshot = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        snapshot[int(entry.name)] = (
            int(fields[1]),
            sum(int(ticks) for ticks in fields[11:15]) / CLOCK_TICKS,  # utime stime cutime cstime
        )
    return snapshot


def postmaster_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory')")
        (data_directory,) = cursor.fetchone()
    return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])


def cpu_split(before: dict, after: dict, server_pid: int, wall: float, requests: int) -> dict:
    """CPU used during the load by the app server, PostgreSQL, this load generator and every
    other process on the machine (other work is noise: a quiet machine shows ~0)."""
    database_pid = postmaster_pid()

    def group(pid: int, parent: int) -> str:
        if pid in (server_pid,) or parent == server_pid:
            return "app_server"
        if pid == database_pid or parent == database_pid:
            return "postgresql"
        if pid == os.getpid():
            return "load_generator"
        return "other"

    # Each group's CPU at the second snapshot less its CPU at the first: a process that ended in
    # between is in the first only, and all its CPU is in its parent's reaped children at the
    # second (a backend's with the postmaster's), so what it used before the load comes off.
    groups = {"app_server": 0.0, "postgresql": 0.0, "load_generator": 0.0, "other": 0.0}
    for pid, (parent, cpu) in after.items():
        groups[group(pid, parent)] += cpu
    for pid, (parent, cpu) in before.items():
        groups[group(pid, parent)] -= cpu
    split = {f"{name}_cores": round(seconds / wall, 2) for name, seconds in groups.items()}
    split.update(
        {
            f"{name}_ms_per_request": round(1000 * seconds / requests, 1)
            for name, seconds in groups.items()
            if name != "other"
        }
    )
    return split


# --- the server -----------------------------------------------------------------------------


class gunicorn:  # noqa: N801 (used as a context manager, like open())
    def __init__(self, args: argparse.Namespace, session_id: int) -> None:
        self.args = args
        self.process: subprocess.Popen | None = None
        # What the app shows before the rush: the popular session's times (a read, no writes).
        self.warm_path = f"/api/scheduling/sessions/{session_id}/slots?channel=app"

    def __enter__(self) -> gunicorn:
        # os.environ carries the secret key setup_django() chose: the server must accept the
        # sessions this process signed for the app users.
        env = dict(
            os.environ,
            ONETRIP_DEBUG="0",
            ONETRIP_ALLOWED_HOSTS="127.0.0.1",
        )
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "onetrip.wsgi",
            *shlex.split(self.args.gunicorn),
            "-b",
            f"127.0.0.1:{self.args.port}",
        ]
        say("server:", shlex.join(command[1:]))
        log = GUNICORN_LOG.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                status, _body = request("GET", self.warm_path, self.args.port)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            # No server left behind to answer the next run on this port.
            self.__exit__()
            raise SystemExit(
                f"gunicorn did not come up (last answer: {status}); see {GUNICORN_LOG}"
            )
        # Every worker imports, connects and fills its caches before the clock starts.
        threads = [
            threading.Thread(
                target=lambda: [request("GET", self.warm_path, self.args.port) for _ in range(20)]
            )
            for _ in range(16)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def request(method: str, path: str, port: int) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the clients ----------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # "rush" or "background" (booking requests), "read" (the rush's slot lists)
    status: int  # 0: the connection failed
    code: str  # the problem's machine-readable code on 4xx
    seconds: float
    ended: float  # since the load started
    appointment_id: int | None = None


@dataclass
class HttpResult:
    duration: float
    rush_started: float
    samples: list[Sample] = field(default_factory=list)
    rush_users: int = 0
    rush_gave_up: int = 0

    def summary(self) -> dict:
        posts = [s for s in self.samples if s.kind != "read"]
        reads = [s for s in self.samples if s.kind == "read"]
        ok = [s for s in posts if s.status == 201]
        rush = [s for s in posts if s.kind == "rush"]
        rush_ok = [s for s in rush if s.status == 201]
        codes: dict[str, int] = {}
        for s in posts:
            key = f"{s.status} {s.code}".strip()
            codes[key] = codes.get(key, 0) + 1
        return {
            "duration_s": round(self.duration, 2),
            "requests": len(self.samples),
            "requests_per_s": round(len(self.samples) / self.duration, 1),
            "booking_requests": len(posts),
            "booking_requests_per_s": round(len(posts) / self.duration, 1),
            "bookings": len(ok),
            "bookings_per_s": round(len(ok) / self.duration, 1),
            "p50_ms": round(1000 * percentile([s.seconds for s in posts], 50), 1),
            "p99_ms": round(1000 * percentile([s.seconds for s in posts], 99), 1),
            "responses": dict(sorted(codes.items())),
            "reads": {
                "requests": len(reads),
                "not_200": sum(1 for s in reads if s.status != 200),
                "p50_ms": round(1000 * percentile([s.seconds for s in reads] or [0], 50), 1),
                "p99_ms": round(1000 * percentile([s.seconds for s in reads] or [0], 99), 1),
            },
            "rush": {
                "users": self.rush_users,
                "booking_requests": len(rush),
                "booked": len(rush_ok),
                "saw_sold_out": self.rush_gave_up,
                "sold_out_after_s": round(
                    max((s.ended for s in rush_ok), default=0) - self.rush_started, 2
                ),
                "p50_ms": round(1000 * percentile([s.seconds for s in rush] or [0], 50), 1),
                "p99_ms": round(1000 * percentile([s.seconds for s in rush] or [0], 99), 1),
            },
        }


def drive(plan: Plan, args: argparse.Namespace) -> HttpResult:
    rush_queue: queue.SimpleQueue[RushUser] = queue.SimpleQueue()
    for user in plan.rush_users:
        rush_queue.put(user)
    jobs = iter(plan.jobs)
    jobs_lock = threading.Lock()
    result = HttpResult(duration=args.duration, rush_started=args.rush_at)
    result.rush_users = len(plan.rush_users)
    samples: list[list[Sample]] = [[] for _ in range(args.clients)]
    gave_up = [0] * args.clients
    start_gate = threading.Barrier(args.clients + 1)
    started = 0.0

    def send(conn, kind, method, path, body, headers, mine) -> tuple[int, dict]:
        tick = time.perf_counter()
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            data = response.read()
            status, answer = response.status, json.loads(data) if data else {}
        except (OSError, http.client.HTTPException, ValueError):
            conn.close()
            status, answer = 0, {"code": "connection"}
        tock = time.perf_counter()
        code = answer.get("code", "") if status >= 400 or status == 0 else ""
        ident = answer.get("id") if status == 201 else None
        mine.append(Sample(kind, status, code, tock - tick, tock - started, ident))
        return status, answer

    def book(conn, kind, body: dict, headers: dict, mine) -> tuple[int, str]:
        headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        status, answer = send(conn, kind, "POST", BOOK_PATH, json.dumps(body), headers, mine)
        return status, answer.get("code", "")

    def rush_user(conn, user: RushUser, mine, me: int) -> None:
        """Look at the session's times as the app shows them, book one still free; when it
        was taken meanwhile, look again; when none is left, give up."""
        while True:
            status, listing = send(conn, "read", "GET", plan.slots_path, None, user.headers, mine)
            free = [t["id"] for t in listing.get("slots", []) if t["remaining"] > 0]
            if status != 200 or not free:
                gave_up[me] += 1
                return
            body = {"patient_id": user.patient_id, "slot_id": random.choice(free), "channel": "app"}
            status, code = book(conn, "rush", body, user.headers, mine)
            if not (status == 409 and code == "full"):
                return

    def worker(me: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        mine = samples[me]
        serves_rush = me < args.rush_clients
        start_gate.wait()
        end = started + args.duration
        # Past --duration only while app users still wait for their turn: every one gets it.
        while (now := time.perf_counter()) < end or not rush_queue.empty():
            if serves_rush and now - started >= args.rush_at:
                try:
                    rush_user(conn, rush_queue.get_nowait(), mine, me)
                    continue
                except queue.Empty:
                    serves_rush = False
            with jobs_lock:
                job = next(jobs, None)
            if job is None:
                break
            body = {"patient_id": job.patient_id, "slot_id": job.slot_id, "channel": job.channel}
            headers = {"Content-Type": "application/json", "X-Api-Key": job.api_key}
            book(conn, "background", body, headers, mine)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    cpu_before = os.times()
    start_gate.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu_after = os.times()
    result.duration = wall
    result.samples = [s for mine in samples for s in mine]
    result.rush_gave_up = sum(gave_up)
    load_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    say(f"load generator used {load_cpu:.1f} CPU-s in {wall:.1f} s of wall time")
    return result


# --- checks in the database -----------------------------------------------------------------


def verify(result: HttpResult, state: dict) -> dict:
    active = tuple(str(s) for s in ACTIVE_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE p.booked > p.capacity),
                   count(*) FILTER (WHERE p.booked <> coalesce(a.n, 0))
            FROM scheduling_slotpool p
            LEFT JOIN (SELECT pool_id, count(*) AS n FROM scheduling_appointment
                       WHERE status = ANY(%s) GROUP BY pool_id) a ON a.pool_id = p.id
            """,
            [list(active)],
        )
        overbooked_pools, counter_mismatches = cursor.fetchone()
        cursor.execute(
            """
            SELECT count(*) FROM (SELECT patient_id, session_id FROM scheduling_appointment
                                  WHERE status = ANY(%s) GROUP BY 1, 2 HAVING count(*) > 1) d
            """,
            [list(active)],
        )
        (double_booked,) = cursor.fetchone()
        cursor.execute(
            """
            SELECT (SELECT sum(capacity) FROM scheduling_slotpool p JOIN scheduling_slot s
                      ON s.id = p.slot_id WHERE s.session_id = %s AND p.kind = ANY(%s)),
                   (SELECT count(*) FROM scheduling_appointment WHERE session_id = %s),
                   (SELECT count(DISTINCT patient_id) FROM scheduling_appointment
                     WHERE session_id = %s),
                   (SELECT count(*) FROM scheduling_appointment WHERE booked_by <> %s)
            """,
            [state["popular_session_id"], app_pool_kinds(state["popular_session_id"])]
            + [state["popular_session_id"]] * 2
            + [HISTORY_BOOKED_BY],
        )
        popular_units, popular_booked, popular_patients, stored = cursor.fetchone()
        answered = [s.appointment_id for s in result.samples if s.status == 201]
        cursor.execute("SELECT count(*) FROM scheduling_appointment WHERE id = ANY(%s)", [answered])
        (answered_stored,) = cursor.fetchone()
    checks = {
        "overbooked_pools": overbooked_pools,
        "pools_whose_counter_differs_from_live_appointments": counter_mismatches,
        "patients_twice_in_a_session": double_booked,
        "popular_app_units": popular_units,
        "popular_booked": popular_booked,
        "popular_distinct_patients": popular_patients,
        "201_responses": len(answered),
        "201_stored": answered_stored,
        "appointments_stored": stored,
    }
    checks["ok"] = (
        overbooked_pools == 0
        and counter_mismatches == 0
        and double_booked == 0
        and popular_booked <= popular_units
        and popular_booked == popular_patients
        and answered_stored == len(answered) == stored
    )
    say("checks:", json.dumps(checks))
    return checks


# --- raw PostgreSQL -------------------------------------------------------------------------

RAW_SETUP = """
DROP SCHEMA IF EXISTS bench_raw CASCADE;
CREATE SCHEMA bench_raw;
-- The same pools the HTTP run books into (every future pool), numbered densely for pgbench.
CREATE TABLE bench_raw.pool AS
    SELECT row_number() OVER (ORDER BY id)::bigint AS id, capacity, 0::smallint AS booked
    FROM scheduling_slotpool WHERE starts_at > now();
ALTER TABLE bench_raw.pool ADD PRIMARY KEY (id), ADD CHECK (booked <= capacity);
CREATE TABLE bench_raw.booking (
    id bigserial PRIMARY KEY,
    pool_id bigint NOT NULL REFERENCES bench_raw.pool,
    patient_id bigint NOT NULL,
    booked_at timestamptz NOT NULL DEFAULT now()
);
VACUUM ANALYZE bench_raw.pool;
CHECKPOINT;
"""


def pgbench_all(args: argparse.Namespace, state: dict) -> dict:
    """Raw PostgreSQL's ceiling (`book_cte.sql`) and the ceiling of the project's own booking
    with every rule (`scheduling_book`, D180), at each client count."""
    results = {}
    for clients in args.pgbench_clients.split(","):
        results[f"c{clients}"] = pgbench(int(clients), args.pgbench_seconds)
        results[f"function_c{clients}"] = pgbench_function(
            int(clients), args.pgbench_seconds, state
        )
    return results


def pgbench_env() -> dict[str, str]:
    url = urlparse(os.environ["DATABASE_URL"])
    return dict(
        os.environ,
        PGHOST=url.hostname or "127.0.0.1",
        PGPORT=str(url.port or 5432),
        PGUSER=url.username or "postgres",
        PGDATABASE=url.path.lstrip("/"),
        PGOPTIONS="-c client_min_messages=warning",
    )


def psql_value(sql: str, env: dict[str, str]) -> str:
    return subprocess.run(
        ["psql", "-Atc", sql], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


# Who the pgbench bookings' audit rows name (`core.audit.actor_columns` of a system actor).
PGBENCH_ACTOR_JSON = json.dumps(
    {"actor_kind": "system", "actor_label": "pgbench", "channel": "system"}
)


def function_script(state: dict) -> tuple[Path, list[str]]:
    """The pgbench script calling `scheduling_book` as the window does, and its `-D` options:
    a random background patient on a random time of the coming week, with the service's notice
    (D270) and a system actor."""
    env = pgbench_env()
    notice = booking._booked_notice().replace("'", "''")  # the service's outbox row (D270)
    patients = state["background_patient_ids"]
    now = clock.now()
    slots = psql_value(
        "SELECT min(id) || ' ' || max(id) FROM scheduling_slot WHERE starts_at BETWEEN "
        f"'{now + dt.timedelta(days=1)}' AND '{now + dt.timedelta(days=7)}'",
        env,
    ).split()
    if len(slots) != 2:
        raise SystemExit("no times in the coming week to book: re-seed (bench/booking/README.md)")
    script = ROOT / "var" / "bench-book-function.sql"
    script.write_text(
        "\\set pid random(:plo, :phi)\n\\set sid random(:slo, :shi)\n"
        "SELECT outcome FROM scheduling_book(:pid, :sid, 'window', false, NULL, '', '', 3, "
        "false, 'pgbench', NULL, false, now(), 'Asia/Shanghai', "
        f"'{DEFAULT_POLICY_JSON}'::jsonb, '{PGBENCH_ACTOR_JSON}'::jsonb, "
        f"'{notice}'::jsonb, false);\n"  # the window's fee stays Python's (D343)
    )
    defines = [
        "-D", f"plo={min(patients)}", "-D", f"phi={max(patients)}",
        "-D", f"slo={slots[0]}", "-D", f"shi={slots[1]}",
    ]  # fmt: skip
    return script, defines


def pgbench_function(clients: int, seconds: int, state: dict) -> dict:
    """pgbench calling `scheduling_book` as the window does (every rule, the patient lock, the
    pool's conditional UPDATE, the appointment with its affiliation, audit row and domain
    event, and its notice: D270): a random background patient on a random time
    of the coming week. Refusals (limits, a full pool) are part of the load, as in a rush; the
    bookings it makes are reset before the next run."""
    env = pgbench_env()
    script, defines = function_script(state)
    before = int(psql_value("SELECT count(*) FROM scheduling_appointment", env))
    command = [
        "pgbench", "-n", "-T", str(seconds), "-c", str(clients), "-j", "2",
        *defines, "-f", str(script), "-r",
    ]  # fmt: skip
    say("pgbench:", shlex.join(command))
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    tps = float(next(line for line in output.splitlines() if line.startswith("tps")).split()[2])
    latency = next(line for line in output.splitlines() if line.startswith("latency average"))
    booked = int(psql_value("SELECT count(*) FROM scheduling_appointment", env)) - before
    return {
        "clients": clients,
        "calls_per_s": round(tps, 1),
        "bookings": booked,
        "bookings_per_s": round(booked / seconds, 1),
        "latency_average_ms": float(latency.split()[3]),
    }


def pgbench(clients: int, seconds: int) -> dict:
    env = pgbench_env()
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
        input=RAW_SETUP,
        text=True,
        env=env,
        check=True,
    )
    pools = int(
        subprocess.run(
            ["psql", "-Atc", "SELECT count(*) FROM bench_raw.pool"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    log_dir = ROOT / "var" / "bench-pgbench-log"
    log_dir.mkdir(parents=True, exist_ok=True)
    for old in log_dir.glob("*"):
        old.unlink()
    command = [
        "pgbench",
        "-n",
        "-T",
        str(seconds),
        "-c",
        str(clients),
        "-j",
        "2",
        "-D",
        f"pools={pools}",
        "-f",
        str(HERE / "book_cte.sql"),
        "-l",
        "--log-prefix",
        str(log_dir / "tx"),
    ]
    say("pgbench:", shlex.join(command))
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    tps = float(next(line for line in output.splitlines() if line.startswith("tps")).split()[2])
    latencies = [
        int(line.split()[2]) / 1000
        for path in log_dir.glob("tx*")
        for line in path.read_text().splitlines()
    ]
    booked = int(
        subprocess.run(
            ["psql", "-Atc", "SELECT count(*) FROM bench_raw.booking"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    return {
        "clients": clients,
        "tps": round(tps, 1),
        "bookings": booked,
        "bookings_per_s": round(booked / seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
    }


# --- report ---------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    runs = report["runs"]
    lines = [
        "| run | other work (cores) | bookings/s | booking requests/s | p50 ms | p99 ms | 201 | "
        "409 | other | slot-list reads, p50 ms | rush sold out after s | app / PG / client CPU "
        "ms per request | checks |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for number, run in enumerate(runs, 1):
        http_, cpu = run["http"], run["cpu"]
        conflicts = sum(n for k, n in http_["responses"].items() if k.startswith("409"))
        other = sum(n for k, n in http_["responses"].items() if k[:3] not in ("201", "409"))
        cells = [
            str(number),
            f"{cpu['other_cores']:.2f}",
            f"{http_['bookings_per_s']:.1f}",
            f"{http_['booking_requests_per_s']:.1f}",
            f"{http_['p50_ms']:.0f}",
            f"{http_['p99_ms']:.0f}",
            str(http_["bookings"]),
            str(conflicts),
            str(other),
            f"{http_['reads']['requests']}, {http_['reads']['p50_ms']:.0f}",
            f"{http_['rush']['sold_out_after_s']:.1f}",
            f"{cpu['app_server_ms_per_request']} / {cpu['postgresql_ms_per_request']} / "
            f"{cpu['load_generator_ms_per_request']}",
            "ok" if run["checks"]["ok"] else "FAILED",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| run | pgbench clients | TPS | bookings/s | p50 ms | p99 ms | HTTP bookings/s ÷ TPS |",
        "|---|---|---|---|---|---|---|",
    ]
    ratios: dict[str, list[float]] = {}
    function_lines = [
        "",
        "| run | pgbench clients | `scheduling_book` calls/s | bookings/s | latency avg ms | "
        "HTTP bookings/s ÷ calls/s |",
        "|---|---|---|---|---|---|",
    ]
    for number, run in enumerate(runs, 1):
        for name, raw in run["pgbench"].items():
            if name.startswith("function_"):
                ratio = run["http"]["bookings_per_s"] / raw["calls_per_s"]
                ratios.setdefault(name, []).append(ratio)
                function_lines.append(
                    f"| {number} | {raw['clients']} | {raw['calls_per_s']:.0f} | "
                    f"{raw['bookings_per_s']:.0f} | {raw['latency_average_ms']:.1f} | "
                    f"{100 * ratio:.1f}% |"
                )
                continue
            ratio = run["http"]["bookings_per_s"] / raw["tps"]
            ratios.setdefault(f"c{raw['clients']}", []).append(ratio)
            lines.append(
                f"| {number} | {raw['clients']} | {raw['tps']:.0f} | {raw['bookings_per_s']:.0f} "
                f"| {raw['p50_ms']:.1f} | {raw['p99_ms']:.1f} | {100 * ratio:.2f}% |"
            )
    medians = {
        "bookings/s": median([r["http"]["bookings_per_s"] for r in runs]),
        "p50 ms": median([r["http"]["p50_ms"] for r in runs]),
        "p99 ms": median([r["http"]["p99_ms"] for r in runs]),
        **{f"HTTP/{c}": f"{100 * median(v):.2f}%" for c, v in ratios.items()},
    }
    lines += function_lines
    lines.append("")
    lines.append("medians: " + ", ".join(f"{k} {v}" for k, v in medians.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
