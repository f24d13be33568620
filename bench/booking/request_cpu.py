"""Where a rush request's application CPU goes: the whole WSGI stack against the service alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench_<you> ONETRIP_SECRET_KEY=… \
        .venv/bin/python bench/booking/request_cpu.py --runs 3

In one process, with production settings (ONETRIP_DEBUG=0, the Redis cache and session engine
of `settings.py`), the three requests of the release rush are sent to `onetrip.wsgi.application`
as gunicorn hands them over (a WSGI environ with the rush client's headers, the body in
`wsgi.input`, the response iterated and closed): an API key's background booking
(`POST /api/scheduling/appointments`), an app user's booking of the popular session (session
cookie, CSRF token, Idempotency-Key) and the app user's slot-list read
(`GET /api/scheduling/sessions/{id}/slots?channel=app`). Beside each, in the same minutes and
in alternating blocks, the service alone: `booking.book_slot` with the caller's actor built
directly, and `availability.session_slots_by_id` for the read. The difference is what the HTTP
layer costs a request (gunicorn's own socket work excepted: D322 measured it at 0.1–0.3 ms):
WSGI request, middleware, URL resolving, django-ninja's authentication and parsing, the answer's
rendering, the actor's reads.

Figures are CPU time of this process (`time.process_time`) and of its PostgreSQL backend (from
/proc) per request. `--cprofile N` then profiles N more of each WSGI request and prints the
CPU by layer (the module a function lives in) and the costliest functions. Resets the bookings
first (as release_rush.py does), so run it on a copy of the bench seed.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import io
import json
import pstats
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, load_state, say, setup_django  # noqa: E402

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402
from profile_booking import backend_cpu_seconds  # noqa: E402
from release_rush import (  # noqa: E402
    BOOK_PATH,
    background_jobs,
    reset_bookings,
    sign_in_rush_users,
)

from onetrip.core import clock  # noqa: E402
from onetrip.core.actors import Channel, patient_actor  # noqa: E402
from onetrip.core.errors import DomainError  # noqa: E402
from onetrip.core.masking import mask_phone  # noqa: E402
from onetrip.identity.models import MobileAccount, ProxyGrant, Relationship  # noqa: E402
from onetrip.scheduling.api_keys import cached_client_for_key, client_actor  # noqa: E402
from onetrip.scheduling.services import availability, booking  # noqa: E402
from onetrip.wsgi import application  # noqa: E402

RESULTS_FILE = ROOT / "var" / "bench-request-cpu.json"
HOST = "127.0.0.1:8077"

# --- WSGI environs as gunicorn builds them from the rush client's requests -------------------


def environ(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> dict:
    path, _, query = path.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8077",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "gunicorn/23.0.0",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "RAW_URI": path + (f"?{query}" if query else ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": None,
        "HTTP_HOST": HOST,
        "HTTP_ACCEPT_ENCODING": "identity",
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            env["CONTENT_TYPE"] = value
        else:
            env[f"HTTP_{key}"] = value
    return env


def send(env: dict) -> tuple[int, bytes]:
    """One request through the WSGI application, as a sync worker runs it."""
    status: list[str] = []

    def start_response(line: str, headers: list, exc_info: object = None) -> None:
        status.append(line)

    response = application(env, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()  # request_finished: Django's end-of-request work
    return int(status[0][:3]), body


# --- the three requests, and the service alone behind each -----------------------------------


def background_environ(job) -> dict:
    body = json.dumps(
        {"patient_id": job.patient_id, "slot_id": job.slot_id, "channel": job.channel}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Api-Key": job.api_key,
        "Idempotency-Key": uuid.uuid4().hex,
    }
    return environ("POST", BOOK_PATH, headers, body)


_factory = RequestFactory(REMOTE_ADDR="127.0.0.1")


def background_service(job) -> None:
    """What the booking view calls for an API key, without the request around it."""
    request = _factory.post(BOOK_PATH)
    client = cached_client_for_key(job.api_key)
    assert client is not None
    booking.book_slot(
        booking.BookingRequest(
            patient_id=job.patient_id,
            slot_id=job.slot_id,
            channel=job.channel,
            idempotency_key=uuid.uuid4().hex,
        ),
        actor=client_actor(client, request),
    )


def app_environ(user, slot_id: int) -> dict:
    body = json.dumps({"patient_id": user.patient_id, "slot_id": slot_id, "channel": "app"})
    headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
    return environ("POST", BOOK_PATH, headers, body.encode())


def app_service(user, account: MobileAccount, slot_id: int) -> None:
    """What the booking view calls for an app user, the account already known."""
    request = _factory.post(BOOK_PATH)
    booking.book_slot(
        booking.BookingRequest(
            patient_id=user.patient_id,
            slot_id=slot_id,
            channel="app",
            idempotency_key=uuid.uuid4().hex,
        ),
        actor=patient_actor(
            request,
            account_id=account.pk,
            phone_label=mask_phone(account.phone),
            channel=Channel.API,
        ),
    )


def read_service(session_id: int) -> None:
    found = availability.session_slots_by_id(session_id, "app", clock.now())
    if found is None:
        sys.exit(f"the popular session {session_id} is missing")


# --- timing ----------------------------------------------------------------------------------


class Meter:
    """CPU of this process and of its PostgreSQL backend, summed over the timed blocks."""

    def __init__(self, backend: int) -> None:
        self.backend = backend
        self.app = self.db = self.wall = 0.0
        self.count = 0
        self.statuses: collections.Counter = collections.Counter()

    def block(self, work, items) -> None:
        app, db, wall = time.process_time(), backend_cpu_seconds(self.backend), time.perf_counter()
        for item in items:
            self.statuses[work(item)] += 1
        self.wall += time.perf_counter() - wall
        self.app += time.process_time() - app
        self.db += backend_cpu_seconds(self.backend) - db
        self.count += len(items)

    def summary(self) -> dict:
        n = max(self.count, 1)
        return {
            "requests": self.count,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "app_cpu_ms": round(1000 * self.app / n, 3),
            "postgres_cpu_ms": round(1000 * self.db / n, 3),
            "wall_ms": round(1000 * self.wall / n, 3),
        }


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def status_of(call) -> object:
    """The service's outcome as a status: "ok", or the refusal's code."""

    def run(item) -> object:
        try:
            call(item)
        except DomainError as refusal:
            return refusal.code
        return "ok"

    return run


def measure(args: argparse.Namespace, state: dict) -> dict:
    reset_bookings()
    jobs = background_jobs(state)
    need = 2 * args.bookings + 40
    if len(jobs) < need:
        sys.exit(f"only {len(jobs)} background bookings to make, {need} needed")
    users = sign_in_rush_users(state["rush_patient_ids"][: 2 * args.app_users + 20])
    accounts = dict(
        ProxyGrant.objects.filter(
            patient_id__in=[u.patient_id for u in users],
            relationship=Relationship.SELF,
            revoked_at__isnull=True,
        ).values_list("patient_id", "account")
    )
    account_of = {a.pk: a for a in MobileAccount.objects.filter(pk__in=accounts.values())}
    session_id = state["popular_session_id"]
    read_path = f"/api/scheduling/sessions/{session_id}/slots?channel=app"
    read_headers = users[0].headers

    # Warm up both paths (connection, prepared statements, lazy caches), as a worker that has
    # served a few requests; then freeze what is loaded, as gunicorn.conf.py does (D322).
    for job in jobs[:20]:
        send(background_environ(job))
    for job in jobs[20:40]:
        background_service(job)
    for _ in range(20):
        send(environ("GET", read_path, read_headers))
        read_service(session_id)
    gc.collect()
    gc.freeze()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    meters = {
        name: Meter(backend)
        for name in ("background_http", "background_service", "read_http", "read_service")
    }
    booked = jobs[40 : 40 + 2 * args.bookings]
    for http_block, service_block in zip(
        chunks(booked[::2], args.block), chunks(booked[1::2], args.block), strict=True
    ):
        meters["background_http"].block(lambda job: send(background_environ(job))[0], http_block)
        meters["background_service"].block(status_of(background_service), service_block)
    for _ in range(max(1, args.reads // args.block)):
        meters["read_http"].block(
            lambda _: send(environ("GET", read_path, read_headers))[0], range(args.block)
        )
        meters["read_service"].block(
            status_of(lambda _: read_service(session_id)), range(args.block)
        )

    result = {name: meter.summary() for name, meter in meters.items()}
    if args.app_users:
        result.update(measure_app_users(args, users, accounts, account_of, read_path, backend))
    for kind in ("background", "read", "app"):
        if f"{kind}_http" in result:
            http, service = result[f"{kind}_http"], result[f"{kind}_service"]
            result[f"{kind}_http_layer_app_cpu_ms"] = round(
                http["app_cpu_ms"] - service["app_cpu_ms"], 3
            )
    return result


def measure_app_users(args, users, accounts, account_of, read_path, backend) -> dict:
    """The popular session's free times, booked one after another by app users: alternately
    through WSGI (as the rush sends it) and through the service (the account already read)."""
    status, body = send(environ("GET", read_path, users[0].headers))
    listing = json.loads(body)
    free = [slot["id"] for slot in listing["slots"] for _ in range(slot["remaining"])]
    pairs = list(zip(users, free, strict=False))
    warm, pairs = pairs[:10], pairs[10 : 10 + 2 * args.app_users]
    for user, slot_id in warm:
        if send(app_environ(user, slot_id))[0] != 201:
            sys.exit("an app user's warm-up booking was refused: is the seed fresh?")
    http_meter, service_meter = Meter(backend), Meter(backend)
    block = max(1, args.block // 10)
    for http_block, service_block in zip(
        chunks(pairs[::2], block), chunks(pairs[1::2], block), strict=False
    ):
        http_meter.block(lambda pair: send(app_environ(*pair))[0], http_block)
        service_meter.block(
            status_of(
                lambda pair: app_service(pair[0], account_of[accounts[pair[0].patient_id]], pair[1])
            ),
            service_block,
        )
    return {"app_http": http_meter.summary(), "app_service": service_meter.summary()}


# --- where the CPU goes ----------------------------------------------------------------------

LAYERS = (
    ("onetrip/scheduling/services", "booking service"),
    ("onetrip/scheduling", "scheduling views and queries"),
    ("onetrip/core/middleware", "OneTrip middleware"),
    ("onetrip/core/api_security", "OneTrip middleware"),
    ("onetrip/web", "authentication"),
    ("onetrip/", "OneTrip, other"),
    ("django/db", "Django ORM and database"),
    ("psycopg", "psycopg"),
    ("django/urls", "URL resolving"),
    ("django/middleware", "Django middleware"),
    ("django/contrib/sessions", "sessions"),
    ("django/contrib/auth", "authentication"),
    ("django/contrib/messages", "Django middleware"),
    ("whitenoise", "Django middleware"),
    ("csp/", "OneTrip middleware"),
    ("axes", "Django middleware"),
    ("django/utils/translation", "language"),
    ("django/core/handlers", "Django request handling"),
    ("django/http", "Django request handling"),
    ("django/dispatch", "Django request handling"),
    ("django/core/cache", "Redis cache"),
    ("redis", "Redis cache"),
    ("ninja", "django-ninja"),
    ("pydantic", "pydantic"),
    ("json", "JSON"),
    ("django/", "Django, other"),
)


def layer_of(filename: str) -> str:
    for fragment, layer in LAYERS:
        if fragment in filename:
            return layer
    return "Python, other" if filename != "~" else "builtins"


def profile(args: argparse.Namespace, state: dict) -> str:
    """cProfile of N more WSGI requests of each kind: own CPU time by layer, and the functions
    that cost the most in all (profiling inflates the total: read the shares)."""
    jobs = background_jobs(state)[-args.cprofile :]
    session_id = state["popular_session_id"]
    users = sign_in_rush_users(state["rush_patient_ids"][-1:])
    read_path = f"/api/scheduling/sessions/{session_id}/slots?channel=app"
    out = io.StringIO()
    for name, work in (
        ("background booking (API key)", lambda: [send(background_environ(j)) for j in jobs]),
        (
            "slot-list read (app user)",
            lambda: [send(environ("GET", read_path, users[0].headers)) for _ in jobs],
        ),
    ):
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(work)
        stats = pstats.Stats(profiler)
        by_layer: collections.Counter = collections.Counter()
        total = 0.0
        for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            by_layer[layer_of(filename)] += own
            total += own
        out.write(
            f"\n== {name}: {len(jobs)} requests, {1000 * total / len(jobs):.3f} ms each "
            "under the profiler ==\n"
        )
        for layer, own in by_layer.most_common():
            out.write(f"  {100 * own / total:5.1f} %  {layer}\n")
        listing = io.StringIO()
        pstats.Stats(profiler, stream=listing).sort_stats("tottime").print_stats(args.top)
        out.write(listing.getvalue())
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=1000, help="background bookings each way")
    parser.add_argument("--reads", type=int, default=1000, help="slot-list reads each way")
    parser.add_argument(
        "--app-users", type=int, default=130, help="app users' bookings each way (at most 135)"
    )
    parser.add_argument("--block", type=int, default=50, help="requests a block, alternated")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --cprofile")
    args = parser.parse_args()
    if settings.DEBUG:
        sys.exit("run with production settings (ONETRIP_DEBUG=0)")
    state = load_state()
    say(f"session engine {settings.SESSION_ENGINE}, cache {settings.CACHES['default']['BACKEND']}")
    runs = []
    for run in range(args.runs):
        with open("/proc/loadavg") as file:
            load = file.read().split()[0]
        started = timezone.now().strftime("%H:%M:%S")
        result = {"run": run + 1, "started_utc": started, "load_1min": float(load)}
        result.update(measure(args, state))
        runs.append(result)
        say(json.dumps(result, indent=1))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(runs, indent=2))
    if args.cprofile:
        say(profile(args, state))


if __name__ == "__main__":
    main()
