"""Monitoring benchmark of the CURRENT month (issue 13 item 3): the dashboard's default view, where
today's records are still arriving, over 10,000,000 visit events in the month. Run by hand:

    createdb -h 127.0.0.1 -U postgres onetrip_metrics_bench
    ONETRIP_DEBUG=0 ONETRIP_HTTPS=0 ONETRIP_SECRET_KEY=bench-only-secret \\
    ONETRIP_ALLOWED_HOSTS=testserver \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_metrics_bench \\
        .venv/bin/python bench/metrics/bench_current_month.py --runs 3 --requests 50

The data are `bench_metrics.py`'s (seeded by INSERT … SELECT over generate_series, not timed):
November 2026 with 3,333,334 visits × 3 visit events plus bookings, payments and exams, 13.1 M
events in the month, one thirtieth of them on 30 November. The clock is set to 30 November
17:43 (Asia/Shanghai): November is the current month and today is its busiest-so-far day, with
all of today's records already written. Closed days are rolled up first, as the hourly
`metrics_rollup` does in production (timed once, reported).

Timed each run, through Django's test client in-process as the KPI office (`GET /staff/metrics/`,
no period: the default view):

- baseline, measured in the same run: what the page computed for today before D94 on every
  request — every rolled-up component recomputed from today's raw records (one pass; the old
  page made two, for the figures and for the trends);
- the page while today's mark is current (the steady state between two 5-minute steps);
- the page that finds the mark an hour behind (no read for an hour, the cron not run): it adds
  the hour's records to today's rows first;
- the page after a late record joined today's marked part: it rebuilds today's rows.

Each run also checks that the page's figures for the month equal a full recomputation from the
raw records (`services.recomputed_totals`, not timed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_metrics as base  # noqa: E402  (sets Django up)
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from onetrip.consortium.models import Institution  # noqa: E402
from onetrip.core import clock  # noqa: E402
from onetrip.core.models import DomainEvent  # noqa: E402
from onetrip.metrics import services  # noqa: E402
from onetrip.metrics.definitions import METRICS, ROLLED_UP, Scope  # noqa: E402
from onetrip.metrics.models import DailyFigure, RolledUpDay, TodayFigure, TodayMark  # noqa: E402
from onetrip.metrics.periods import month_of  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 30, 17, 43, tzinfo=SHANGHAI)
TODAY = NOW.date()
MONTH = month_of(TODAY)
say = base.say


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * share)) - 1)]


def page(client: Client) -> float:
    started = time.perf_counter()
    response = client.get("/staff/metrics/")
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


def old_today() -> int:
    """Before D94, each request recomputed every rolled-up component over today's raw records."""
    return sum(1 for component in ROLLED_UP for _ in component.rows(TODAY, TODAY + dt.timedelta(1)))


def reset_today() -> None:
    TodayFigure.objects.all().delete()
    TodayMark.objects.all().delete()


def figures_of(found) -> list:
    return [(f.metric.code, f.numerator, f.denominator, f.status) for f in found]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=3_333_334, help="3 visit events each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--behind", type=int, default=5, help="requests a mark an hour behind")
    parser.add_argument("--no-check", action="store_true", help="skip the recomputation check")
    args = parser.parse_args()
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit("run against a PostgreSQL database whose name contains 'bench'")
    call_command("migrate", verbosity=0)
    base.seed(args.visits)
    with clock.frozen_at(NOW):
        counts = dict(base.baseline())
        today_events = DomainEvent.objects.filter(
            occurred_at__gte=dt.datetime.combine(TODAY, dt.time(), tzinfo=SHANGHAI),
            occurred_at__lt=dt.datetime.combine(
                TODAY + dt.timedelta(1), dt.time(), tzinfo=SHANGHAI
            ),
        ).count()
        say(
            f"{MONTH.code}: {sum(counts.values()):,} events, {today_events:,} of them today {TODAY}"
        )
        if not RolledUpDay.objects.filter(day=TODAY - dt.timedelta(days=1)).exists():
            DailyFigure.objects.all().delete()
            RolledUpDay.objects.all().delete()
            base.timed(
                "rollups of the closed days (cron)",
                lambda: call_command("metrics_rollup", "--months", "12", verbosity=0),
            )
        scope = Scope(tuple(Institution.objects.values_list("pk", flat=True)))
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench_quality"))
        summary: dict[str, list[float]] = {}
        for run in range(1, args.runs + 1):
            say(f"run {run}")
            row = base.timed("baseline: today raw (old page, per pass)", old_today)
            summary.setdefault("baseline_ms", []).append(row["wall"] * 1000)
            reset_today()
            cold = page(client)  # no mark yet: today's rows are built
            say(f"page, today's rows built (cold): {cold:.0f} ms")
            summary.setdefault("cold_ms", []).append(cold)
            steady = [page(client) for _ in range(args.requests)]
            p50, p95 = statistics.median(steady), percentile(steady, 0.95)
            say(f"page, mark current: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(steady):.1f}")
            summary.setdefault("steady_p50", []).append(p50)
            summary.setdefault("steady_p95", []).append(p95)
            behind = []
            for _ in range(args.behind):
                reset_today()
                services.advance_today(NOW - dt.timedelta(hours=1, minutes=3))
                behind.append(page(client))
            say(f"page, mark an hour behind: median {statistics.median(behind):.0f} ms")
            summary.setdefault("behind_ms", []).append(statistics.median(behind))
            if not args.no_check:
                with services.one_read():
                    fast, _trends = services.overview(scope, MONTH)
                found = services.recomputed_totals(scope, MONTH)
                full = [services.figure(metric, found, scope) for metric in METRICS]
                assert figures_of(fast) == figures_of(full), "the fast read differs from raw"
                say("the page's figures equal a full recomputation from raw records")
        say("\nmedians over runs")
        for label, values in summary.items():
            say(f"{label:<14} {statistics.median(values):9.1f}")
        ratio = statistics.median(summary["baseline_ms"]) / statistics.median(summary["steady_p50"])
        say(f"baseline (one raw pass over today) ÷ steady page p50: {ratio:.1f}×")


if __name__ == "__main__":
    main()
