"""Open-loop bookings: requests arrive at a fixed rate whatever the server's speed, as patients
do at a release, and each one's latency runs from the moment it was due (so a slow server's
queue counts, which a closed loop hides).

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench \
        .venv/bin/python bench/booking/open_loop.py --rates 50,150 --seconds 30

For each rate: reset the bookings, start gunicorn with production settings (as
`release_rush.py` does), send the background bookings (`POST /api/scheduling/appointments`
through the institutions' API keys) at `rate` per second for `--seconds`, report p50/p95/p99,
the answers and the database checks. Results go to var/bench-booking-open-loop.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, load_state, percentile, say  # noqa: E402
from release_rush import (  # noqa: E402
    BOOK_PATH,
    HttpResult,
    Sample,
    background_jobs,
    gunicorn,
    reset_bookings,
    verify,
)

RESULTS_FILE = ROOT / "var" / "bench-booking-open-loop.json"
# Senders waiting for their turn; more than the server can have in flight at the slowest rate.
SENDERS = 400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="50,150", help="bookings per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--gunicorn",
        default="",
        help="gunicorn options besides -b (default: the production gunicorn.conf.py alone)",
    )
    parser.add_argument("--port", type=int, default=8078)
    args = parser.parse_args()
    state = load_state()
    results = []
    for rate in (float(r) for r in args.rates.split(",")):
        reset_bookings()
        jobs = background_jobs(state)
        with gunicorn(args, state["popular_session_id"]):
            samples, wall = send_at_rate(jobs, rate, args.seconds, args.port)
        outcome = summary(rate, samples, wall)
        result = HttpResult(duration=wall, rush_started=0.0, samples=samples)
        outcome["checks"] = verify(result, state)
        say(json.dumps(outcome, indent=1))
        results.append(outcome)
    RESULTS_FILE.write_text(json.dumps({"args": vars(args), "runs": results}, indent=2))


def send_at_rate(jobs: list, rate: float, seconds: float, port: int) -> tuple[list, float]:
    """Request i is due at start + i / rate; a free sender takes the next one, waits until it
    is due and sends it on its own keep-alive connection."""
    total = min(len(jobs), int(rate * seconds))
    next_index = iter(range(total))
    lock = threading.Lock()
    samples: list[Sample] = []
    start = time.perf_counter() + 1.0

    def sender() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            due = start + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            job = jobs[index]
            body = {"patient_id": job.patient_id, "slot_id": job.slot_id, "channel": job.channel}
            headers = {
                "Content-Type": "application/json",
                "X-Api-Key": job.api_key,
                "Idempotency-Key": uuid.uuid4().hex,
            }
            try:
                conn.request("POST", BOOK_PATH, json.dumps(body), headers)
                response = conn.getresponse()
                data = response.read()
                status, answer = response.status, json.loads(data) if data else {}
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                status, answer = 0, {"code": "connection"}
            ended = time.perf_counter()
            code = answer.get("code", "") if status >= 400 or status == 0 else ""
            ident = answer.get("id") if status == 201 else None
            with lock:
                samples.append(
                    Sample("background", status, code, ended - due, ended - start, ident)
                )
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(min(SENDERS, total))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - start


def summary(rate: float, samples: list[Sample], wall: float) -> dict:
    latencies = [s.seconds for s in samples]
    answers: dict[str, int] = {}
    for s in samples:
        key = f"{s.status} {s.code}".strip()
        answers[key] = answers.get(key, 0) + 1
    return {
        "rate_per_s": rate,
        "requests": len(samples),
        "achieved_per_s": round(len(samples) / wall, 1),
        "bookings": sum(1 for s in samples if s.status == 201),
        "p50_ms": round(1000 * percentile(latencies, 50), 1),
        "p95_ms": round(1000 * percentile(latencies, 95), 1),
        "p99_ms": round(1000 * percentile(latencies, 99), 1),
        "answers": dict(sorted(answers.items())),
        "loadavg_1min_after": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
