"""How long `journey.services.episode_trips` takes for a month of events (R-KPI-2).

    DATABASE_URL=sqlite:///var/bench-journey.sqlite3 .venv/bin/python bench/journey/episode_trips.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_journey_bench \
        .venv/bin/python bench/journey/episode_trips.py

Fills `core.DomainEvent` (after migrating the database named by DATABASE_URL, whose name must
contain "bench": the table is emptied first) with `--patients` patients, each with one to three
episodes over `--days` days of the shape the services write: a booking, check-in, call,
consultation, half of them with two exams (ordered, booked, checked in, started, report) and a
payment at a kiosk or on the phone. Then, `--runs` times, in the same process:

- `baseline`: read the same events the way `episode_trips` does (the patients with an event in
  the month, then their whole history, as tuples) and do nothing with them;
- `episode_trips`: the service, reading and assembling.

Reported: events, episodes, wall and CPU seconds of each (median of the runs), and the ratio of
the medians. The machine is shared, so CPU seconds of this process are the steadier figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("Set DATABASE_URL to a database whose name contains 'bench' (see the docstring).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    os.environ.setdefault("ONETRIP_DEBUG", "0")
    os.environ.setdefault("ONETRIP_SECRET_KEY", secrets.token_urlsafe(40))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(patients: int, days: int, seed: int) -> int:
    from django.utils import timezone

    from onetrip.core.models import DomainEvent

    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, 8, 0, tzinfo=timezone.get_default_timezone())
    rows: list[DomainEvent] = []
    ids = iter(range(1, 10**9))

    def add(kind, at, patient, department, on_site, **data):
        rows.append(
            DomainEvent(
                kind=kind,
                occurred_at=at,
                patient_id=patient,
                institution_id=1,
                department_id=department,
                on_site=on_site,
                subject_type="bench.row",
                subject_id=str(next(ids)),
                data=data,
            )
        )

    DomainEvent.objects.all().delete()
    total = 0
    for patient in range(1, patients + 1):
        for _episode in range(rng.randint(1, 3)):
            at = start + dt.timedelta(days=rng.randrange(days), minutes=rng.randrange(480))
            department = rng.randint(1, 30)
            booking = next(ids)
            add(
                "appointment.booked",
                at,
                patient,
                department,
                False,
                booking_id=booking,
                slot_start=at.isoformat(),
                booking_channel="app",
            )
            for minutes, kind in (
                (0, "visit.checked_in"),
                (9, "visit.called"),
                (10, "consultation.started"),
            ):
                add(
                    kind,
                    at + dt.timedelta(minutes=30 + minutes),
                    patient,
                    department,
                    True,
                    visit_id=booking,
                    booking_id=booking,
                    waited_minutes=9,
                )
            if rng.random() < 0.5:
                exam_day = at + dt.timedelta(days=rng.choice((0, 0, 1, 3)), hours=2)
                for _exam in range(2):
                    order = next(ids)
                    common = {"order_id": order, "ordering_institution_id": 1}
                    add(
                        "exam.ordered",
                        at + dt.timedelta(minutes=45),
                        patient,
                        department,
                        False,
                        **common,
                    )
                    add(
                        "exam.booked",
                        at + dt.timedelta(minutes=46),
                        patient,
                        department,
                        False,
                        starts_at=exam_day.isoformat(),
                        **common,
                    )
                    add("exam.checked_in", exam_day, patient, department, True, **common)
                    add(
                        "exam.started",
                        exam_day + dt.timedelta(minutes=8),
                        patient,
                        department,
                        True,
                        waited_minutes=8,
                        **common,
                    )
                    add(
                        "report.filed",
                        exam_day + dt.timedelta(hours=3),
                        patient,
                        department,
                        False,
                        **common,
                    )
            add(
                "payment.settled",
                at + dt.timedelta(minutes=50),
                patient,
                None,
                rng.random() < 0.4,
                settlement_id=next(ids),
                mode="kiosk",
            )
        if len(rows) >= 20_000:
            DomainEvent.objects.bulk_create(rows)
            total += len(rows)
            rows.clear()
    DomainEvent.objects.bulk_create(rows)
    return total + len(rows)


def measure(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from onetrip.journey import services

    events = fill(args.patients, args.days, args.seed)
    month = {"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 30)}

    def baseline():
        from onetrip.core.models import DomainEvent

        ids = list(
            DomainEvent.objects.filter(patient_id__isnull=False)
            .order_by("patient_id")
            .values_list("patient_id", flat=True)
            .distinct()
        )
        return sum(1 for _event in services._events_of(ids))

    results = {"baseline": [], "episode_trips": []}
    episodes = 0
    for _run in range(args.runs):
        wall, cpu, _read = measure(baseline)
        results["baseline"].append((wall, cpu))
        wall, cpu, rows = measure(lambda: services.episode_trips(**month))
        results["episode_trips"].append((wall, cpu))
        episodes = len(rows)
    say(f"database: {connection.vendor}; events: {events:,}; episodes in the month: {episodes:,}")
    medians = {}
    for name, runs in results.items():
        wall = statistics.median(w for w, _c in runs)
        cpu = statistics.median(c for _w, c in runs)
        medians[name] = (wall, cpu)
        say(f"{name:>14}: wall {wall:.2f} s, CPU {cpu:.2f} s (median of {len(runs)})")
    ratio_wall = medians["episode_trips"][0] / medians["baseline"][0]
    ratio_cpu = medians["episode_trips"][1] / medians["baseline"][1]
    say(f"episode_trips / baseline: wall {ratio_wall:.2f}×, CPU {ratio_cpu:.2f}×")
    say(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
