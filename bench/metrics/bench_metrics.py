"""Monitoring benchmark (issue 7): every indicator for one month over 10,000,000 visit events on
PostgreSQL, and the dashboard page. Run by hand, never by the tests:

    createdb -h 127.0.0.1 -U postgres onetrip_metrics_bench
    ONETRIP_DEBUG=0 ONETRIP_HTTPS=0 ONETRIP_SECRET_KEY=bench-only-secret \\
    ONETRIP_ALLOWED_HOSTS=testserver \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_metrics_bench \\
        .venv/bin/python bench/metrics/bench_metrics.py --visits 3333334 --runs 3

Seeding writes the events with INSERT … SELECT over generate_series (not timed, never through
the ORM). Timed, each run: a raw SQL count of the month's events by kind (the baseline), every
figure recomputed from raw events (no rollups), the rollup refresh of the month, every figure
and their 12-month trends from the rollups (what the dashboard reads), and the dashboard page
itself through Django's test client (in-process, no web server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
os.environ.setdefault("ONETRIP_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from onetrip.consortium import services as consortium  # noqa: E402
from onetrip.consortium.models import (  # noqa: E402
    Clinic,
    Department,
    Doctor,
    Institution,
    InstitutionLevel,
)
from onetrip.core import clock  # noqa: E402
from onetrip.core.actors import SYSTEM  # noqa: E402
from onetrip.core.models import DomainEvent  # noqa: E402
from onetrip.metrics import services  # noqa: E402
from onetrip.metrics.definitions import Scope  # noqa: E402
from onetrip.metrics.models import DailyFigure, RolledUpDay  # noqa: E402
from onetrip.metrics.periods import parse_period  # noqa: E402

ZONE = clock.now().tzinfo
MONTH = parse_period("2026-11")
# The benchmark runs "on 2 December": all of November is past and can be rolled up.
BENCH_NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
START = "2026-11-01 07:00:00+08"
PASSWORD = "bench-only-password"

SEED_EVENTS = """
WITH d AS (
  SELECT array_agg(d.id ORDER BY d.id) AS ids, array_agg(d.institution_id ORDER BY d.id) AS insts,
         count(*) AS n FROM consortium_department d
), c AS (
  SELECT array_agg(c.id ORDER BY c.department_id, c.id) AS ids FROM consortium_clinic c
), v AS (
  SELECT g AS v, (g % d.n) AS dx, d.ids[1 + g % d.n] AS dep, d.insts[1 + g % d.n] AS inst,
         c.ids[1 + (g % d.n) * 5 + g % 5] AS room,
         timestamptz '{start}' + (g % 30) * interval '1 day'
           + ((g * 7919) % 600) * interval '1 minute' AS t,
         (g * 31) % 25 AS waited
  FROM generate_series(1::bigint, {visits}) g, d, c
)
INSERT INTO core_domainevent
  (kind, occurred_at, patient_id, institution_id, department_id, on_site, channel,
   subject_type, subject_id, data)
SELECT e.kind, e.at, v.v, v.inst, v.dep, e.on_site, '', e.subject, v.v::text, e.data
FROM v, LATERAL (VALUES
  ('visit.checked_in', v.t, true, 'scheduling.visit',
   jsonb_build_object('visit_id', v.v, 'booking_id', CASE WHEN v.v % 10 < 6 THEN v.v END,
                      'late', false)),
  ('visit.called', v.t + v.waited * interval '1 minute', true, 'scheduling.visit',
   jsonb_build_object('visit_id', v.v, 'waited_minutes', v.waited)),
  ('consultation.started', v.t + (v.waited + 1) * interval '1 minute', true, 'scheduling.visit',
   jsonb_build_object('visit_id', v.v, 'doctor_id', 1, 'consulting_room', v.room))
) AS e(kind, at, on_site, subject, data);

INSERT INTO core_domainevent
  (kind, occurred_at, patient_id, institution_id, department_id, on_site, channel,
   subject_type, subject_id, data)
SELECT e.kind, e.at, v.v, v.inst, v.dep, e.on_site, '', e.subject, v.v::text, e.data
FROM (
  SELECT g AS v, d.ids[1 + g % d.n] AS dep, d.insts[1 + g % d.n] AS inst,
         c.ids[1 + (g % d.n) * 5 + g % 5] AS room,
         timestamptz '{start}' + (g % 30) * interval '1 day'
           + ((g * 7919) % 600) * interval '1 minute' AS t
  FROM generate_series(1::bigint, {visits}) g,
       (SELECT array_agg(id ORDER BY id) ids, array_agg(institution_id ORDER BY id) insts,
               count(*) n FROM consortium_department) d,
       (SELECT array_agg(id ORDER BY department_id, id) ids FROM consortium_clinic) c
) v, LATERAL (
  SELECT 'appointment.booked', v.t - interval '3 days', false, 'scheduling.appointment',
         jsonb_build_object('booking_id', v.v, 'referral', v.v % 100 < 12,
                            'booking_channel', 'app', 'pool', 'shared_online')
  WHERE v.v % 10 < 6
  UNION ALL
  SELECT 'payment.settled', v.t + interval '40 minutes', true, 'billing.settlement',
         jsonb_build_object('settlement_id', v.v,
           'mode', (ARRAY['in_clinic', 'kiosk', 'mobile', 'window', 'pay_later',
                          'in_clinic'])[1 + v.v % 6],
           'consulting_room', CASE WHEN v.v % 6 IN (0, 5) THEN v.room END,
           'total_fen', 5000, 'cash_fen', 2000, 'insurance_fen', 3000)
  WHERE v.v % 3 = 0
  UNION ALL
  SELECT 'exam.booked', v.t + interval '20 minutes', false, 'exams.examorder',
         jsonb_build_object('order_id', v.v, 'item_code', 'CT', 'time_slotted', v.v % 20 <> 0)
  WHERE v.v % 10 = 0
) AS e(kind, at, on_site, subject, data);
"""

SEED_SUPPLY = """
INSERT INTO scheduling_clinicsession
  (date, period, starts_at, ends_at, fee_fen, status, stop_reason, clinic_id, department_id,
   doctor_id, institution_id, substitute_id)
SELECT day::date, 'morning', day + interval '8 hours', day + interval '11 hours', 1000, 'open', '',
       (SELECT min(c.id) FROM consortium_clinic c WHERE c.department_id = doc.department_id),
       doc.department_id, doc.id, dep.institution_id, NULL
FROM consortium_doctor doc JOIN consortium_department dep ON dep.id = doc.department_id,
     generate_series(timestamptz '2026-11-01 00:00+08', timestamptz '2026-11-30 00:00+08',
                     interval '1 day') day;
INSERT INTO scheduling_slot (starts_at, ends_at, session_id)
SELECT s.starts_at + k * interval '15 minutes', s.starts_at + (k + 1) * interval '15 minutes', s.id
FROM scheduling_clinicsession s, generate_series(0, 11) k;
INSERT INTO scheduling_slotpool (kind, capacity, booked, is_open, starts_at, department_id, slot_id)
SELECT p.kind, p.capacity, 0, true, sl.starts_at, s.department_id, sl.id
FROM scheduling_slot sl JOIN scheduling_clinicsession s ON s.id = sl.session_id,
     (VALUES ('shared_online', 5), ('primary_care', 3), ('window', 2)) p(kind, capacity);
INSERT INTO scheduling_sessioncapacity (session_id, kind, capacity)
SELECT s.id, p.kind, 12 * p.capacity
FROM scheduling_clinicsession s,
     (VALUES ('shared_online', 5), ('primary_care', 3), ('window', 2)) p(kind, capacity);
"""


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def seed(visits: int) -> None:
    if DomainEvent.objects.exists():
        say("bench database already seeded")
        return
    root = Institution.objects.create(
        code="B000", name="市中心医院", level=InstitutionLevel.TERTIARY
    )
    counties = [
        Institution.objects.create(
            code=f"B10{n}", name=f"县人民医院{n}", level=InstitutionLevel.COUNTY, parent=root
        )
        for n in range(3)
    ]
    townships = [
        Institution.objects.create(
            code=f"B20{n}",
            name=f"乡镇卫生院{n}",
            level=InstitutionLevel.TOWNSHIP,
            parent=counties[n % 3],
        )
        for n in range(6)
    ]
    for institution in [root, *counties, *townships]:
        for d in range(7):
            department = Department.objects.create(
                institution=institution, code=f"D{d}", name=f"科室{d}"
            )
            Clinic.objects.bulk_create(
                Clinic(department=department, name=f"诊室{k}", kind="general") for k in range(5)
            )
            Doctor.objects.bulk_create(
                Doctor(department=department, name=f"医生{k}", title="attending") for k in range(3)
            )
    consortium.create_staff_account(
        username="bench_quality",
        password=PASSWORD,
        full_name="质控办",
        institution=root,
        roles=["quality"],
        actor=SYSTEM,
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SEED_SUPPLY)
        cursor.execute(SEED_EVENTS.format(start=START, visits=visits))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE core_domainevent")
        cursor.execute("VACUUM ANALYZE scheduling_slotpool")
    say(f"seeded in {time.perf_counter() - started:.0f} s")


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (same machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def timed(label: str, work) -> dict:
    connection.ensure_connection()
    cpu0, db0, (busy0, total0) = time.process_time(), backend_cpu(), machine_busy()
    started = time.perf_counter()
    result = work()
    wall = time.perf_counter() - started
    busy1, total1 = machine_busy()
    figures = {
        "label": label,
        "wall": wall,
        "app_cpu": time.process_time() - cpu0,
        "db_cpu": backend_cpu() - db0,
        "machine_cores_busy": (busy1 - busy0) / max(total1 - total0, 1) * os.cpu_count(),
        "result": result,
    }
    say(
        f"{label:<34} {wall:8.3f} s wall  app {figures['app_cpu']:6.2f} s  "
        f"db backend {figures['db_cpu']:6.2f} s  machine {figures['machine_cores_busy']:.2f} cores",
    )
    return figures


def baseline() -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, count(*) FROM core_domainevent "
            "WHERE occurred_at >= %s AND occurred_at < %s GROUP BY kind ORDER BY kind",
            [dt.datetime(2026, 11, 1, tzinfo=ZONE), dt.datetime(2026, 12, 1, tzinfo=ZONE)],
        )
        return cursor.fetchall()


def all_figures(scope: Scope) -> list:
    return [
        (f.metric.code, f.numerator, f.denominator, f.value) for f in services.figures(scope, MONTH)
    ]


def dashboard_figures(scope: Scope) -> int:
    services.figures(scope, MONTH)
    return len(services.trends(scope, MONTH))


def page_latencies(client: Client, requests: int) -> list[float]:
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/staff/metrics/", {"period": MONTH.code})
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=3_333_334, help="3 visit events each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit("run against a PostgreSQL database whose name contains 'bench'")
    call_command("migrate", verbosity=0)
    seed(args.visits)
    with clock.frozen_at(BENCH_NOW):
        root = Institution.objects.get(code="B000")
        scope = Scope(tuple(Institution.objects.values_list("pk", flat=True)))
        counts = dict(baseline())
        visit_events = sum(
            counts.get(k, 0) for k in ("visit.checked_in", "visit.called", "consultation.started")
        )
        say(f"November: {sum(counts.values()):,} events, {visit_events:,} visit events")
        client = Client()
        client.login(username="bench_quality", password=PASSWORD)
        results: dict[str, list[dict]] = {}
        for run in range(1, args.runs + 1):
            say(f"run {run}")
            DailyFigure.objects.all().delete()
            RolledUpDay.objects.all().delete()
            rows = [
                timed("baseline: SQL count by kind", baseline),
                timed("figures from raw events", lambda: all_figures(scope)),
                timed(
                    "rollup refresh of the month",
                    lambda: services.refresh_rollups(MONTH.start, MONTH.end, actor=SYSTEM).rows,
                ),
                timed("figures from rollups", lambda: all_figures(scope)),
                # The eleven months before have no events here; in production they are rolled
                # up too, so the trends read rollups only.
                timed(
                    "rollup refresh of 11 empty months",
                    lambda: (
                        services.refresh_rollups(
                            dt.date(2025, 12, 1), MONTH.start, actor=SYSTEM
                        ).rows
                    ),
                ),
                timed("figures + 12-month trends", lambda: dashboard_figures(scope)),
            ]
            assert rows[1]["result"] == rows[3]["result"], "rollups differ from raw"
            page = page_latencies(client, args.requests)
            page.sort()
            say(
                f"dashboard page: p50 {statistics.median(page):.1f} ms, "
                f"p95 {page[int(len(page) * 0.95) - 1]:.1f} ms, max {page[-1]:.1f} ms",
            )
            for row in rows:
                results.setdefault(row["label"], []).append(row)
        say("\nmedians over runs")
        for label, rows in results.items():
            say(
                f"{label:<34} {statistics.median(r['wall'] for r in rows):8.3f} s wall  "
                f"app {statistics.median(r['app_cpu'] for r in rows):6.2f} s  "
                f"db {statistics.median(r['db_cpu'] for r in rows):6.2f} s"
            )
        say(root.name, all_figures(scope))


if __name__ == "__main__":
    main()
