"""Set-up shared by the booking benchmark scripts. These are run by hand (see README.md); they are
not tests, and they refuse to touch a database whose name does not say "bench", because
release_rush.py resets bookings before each run."""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What seed.py hands to the load generator: API keys (shown once when issued) and ids.
STATE_FILE = ROOT / "var" / "bench-booking.json"


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database whose name contains 'bench', e.g. "
            "postgres://postgres@127.0.0.1:5433/onetrip_bench (see bench/booking/README.md)."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    # Production settings, as gunicorn runs them: with DEBUG on, Django would also keep a log
    # of every SQL statement, which costs time and memory in a benchmark.
    os.environ.setdefault("ONETRIP_DEBUG", "0")
    os.environ.setdefault("ONETRIP_SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("ONETRIP_ALLOWED_HOSTS", "127.0.0.1,testserver")
    # Plain HTTP on loopback, in-process and through gunicorn (which inherits this
    # environment): production's HTTPS redirect would answer every request 301.
    os.environ.setdefault("ONETRIP_HTTPS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the default connection sends inside the block."""
    from django.db import connection

    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql if params is None else connection.ops.compose_sql(sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


# Who booked the past visits `seed.py history` writes (D357): the only appointments a reset keeps.
HISTORY_BOOKED_BY = "bench: history"


def load_state() -> dict:
    if not STATE_FILE.exists():
        sys.exit(f"{STATE_FILE} is missing: run bench/booking/seed.py first.")
    return json.loads(STATE_FILE.read_text())


def save_state(state: dict) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(state, indent=2, ensure_ascii=False))


def machine_facts() -> dict[str, str]:
    """nproc, the CPU model, memory, PostgreSQL and Python versions: printed with every result."""
    from django.db import connection

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers')")
        version, shared_buffers = cursor.fetchone()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "postgresql": version.split(" on ")[0] + f" (shared_buffers={shared_buffers})",
        "python": platform.python_version(),
    }
