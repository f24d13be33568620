"""The demo's dashboard page (issue 13 item 3), on SQLite, at the real clock: the current month,
the default view. Run by hand on a database `make demo` built (a copy is measured, the original
is not touched):

    ONETRIP_DEMO=1 DATABASE_URL=sqlite:////tmp/demo.sqlite3 sh -c '
      .venv/bin/python manage.py migrate --noinput && .venv/bin/python manage.py load_demo &&
      .venv/bin/python manage.py simulate --once --days 3 --episodes-per-day 80 &&
      .venv/bin/python manage.py metrics_rollup --months 12'
    ONETRIP_DEMO=1 .venv/bin/python bench/metrics/bench_demo_page.py /tmp/demo.sqlite3 --runs 3

Each run, through Django's test client in-process as the demo's KPI office (`quality`): the page
as `make demo` leaves it (closed days rolled up, today through its mark), then — the baseline,
in the same run — the page with the rollups removed, as the demo had none before D94.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * share)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", help="the SQLite file make demo built")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--baseline-requests", type=int, default=5)
    args = parser.parse_args()
    copy = Path(tempfile.mkdtemp()) / "demo.sqlite3"
    shutil.copy(args.database, copy)
    os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    os.environ.setdefault("ONETRIP_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from onetrip.core.models import DomainEvent
    from onetrip.metrics.models import DailyFigure, RolledUpDay, TodayFigure, TodayMark

    cpu: list[float] = []

    def page(client: Client) -> float:
        started, cpu0 = time.perf_counter(), time.process_time()
        response = client.get("/staff/metrics/")
        assert response.status_code == 200, response.status_code
        cpu.append((time.process_time() - cpu0) * 1000)
        return (time.perf_counter() - started) * 1000

    say(f"{DomainEvent.objects.count():,} events, {RolledUpDay.objects.count()} days rolled up")
    client = Client()
    client.force_login(get_user_model().objects.get(username="quality"))
    page(client)  # warm-up: templates, today's rows
    rollups = list(DailyFigure.objects.all())
    days = list(RolledUpDay.objects.all())
    fast50, fast95, base50 = [], [], []
    for run in range(1, args.runs + 1):
        cpu.clear()
        times = [page(client) for _ in range(args.requests)]
        fast50.append(statistics.median(times))
        fast_cpu = statistics.median(cpu)
        fast95.append(percentile(times, 0.95))
        RolledUpDay.objects.all().delete()
        DailyFigure.objects.all().delete()
        TodayMark.objects.all().delete()
        TodayFigure.objects.all().delete()
        baseline = [page(client) for _ in range(args.baseline_requests)]
        base50.append(statistics.median(baseline))
        RolledUpDay.objects.bulk_create(days)
        DailyFigure.objects.bulk_create(rollups)
        say(
            f"run {run}: page p50 {fast50[-1]:.1f} ms, p95 {fast95[-1]:.1f} ms "
            f"(CPU p50 {fast_cpu:.1f} ms); "
            f"baseline without rollups p50 {base50[-1]:.1f} ms"
        )
    say(
        f"medians: page p50 {statistics.median(fast50):.1f} ms, p95 "
        f"{statistics.median(fast95):.1f} ms; baseline {statistics.median(base50):.1f} ms; "
        f"ratio {statistics.median(base50) / statistics.median(fast50):.1f}×"
    )


if __name__ == "__main__":
    main()
