"""Billing benchmarks (issue 6): settlements/s through the API (cash and card at the counter;
WeChat Pay and Alipay orders opened from the phone), provider notifications processed/s, and
reconciliation of 1,000,000 transactions. Run by hand, never by the tests:

    createdb -h 127.0.0.1 -U postgres onetrip_billing_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_billing_bench \\
        .venv/bin/python bench/billing/bench_billing.py --runs 3

Everything is in-process (Django's test client against PostgreSQL): the figures are the cost of
our code and our SQL, not of a web server. The in-run baseline is a GET of the itemised bill
(one authenticated read), so ratios stay meaningful on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
os.environ.setdefault("ONETRIP_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from onetrip.billing.channels import adapter_for  # noqa: E402
from onetrip.billing.models import (  # noqa: E402
    Bill,
    CatalogueItem,
    Payment,
    Settlement,
)
from onetrip.billing.money import fen_to_yuan  # noqa: E402
from onetrip.billing.sandbox import alipay as alipay_sandbox  # noqa: E402
from onetrip.billing.sandbox import wechat as wechat_sandbox  # noqa: E402
from onetrip.billing.services import charges, reconciliation  # noqa: E402
from onetrip.conftest import actor_for  # noqa: E402
from onetrip.consortium import services as consortium  # noqa: E402
from onetrip.consortium.models import Institution  # noqa: E402
from onetrip.core.actors import SYSTEM  # noqa: E402
from onetrip.identity import services as identity  # noqa: E402
from onetrip.identity.models import Patient  # noqa: E402

# The million payments are dated on a day of their own, apart from the request runs' payments.
DAY = dt.date(2026, 11, 20)


def require_bench_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit("use a PostgreSQL database whose name contains 'bench' (see the docstring)")


def setup() -> tuple[Client, Institution, int, object]:
    call_command("migrate", verbosity=0)
    institution, _ = Institution.objects.get_or_create(
        code="BENCH1", defaults={"name": "基准医院", "level": "tertiary"}
    )
    staff = consortium.create_staff_account(
        username=f"bench{time.time_ns()}",
        password="correct-horse-battery",
        full_name="bench",
        institution=institution,
        roles=["finance", "registration"],
        actor=SYSTEM,
    )
    staff.user.user_permissions.add(*Permission.objects.filter(content_type__app_label="billing"))
    actor = actor_for(staff)
    patient = Patient.objects.filter(phone="13812345678").first() or identity.register_patient(
        identity.PatientRegistration(
            name="张伟",
            sex="male",
            birth_date=dt.date(1990, 3, 7),
            phone="13812345678",
            documents=[identity.DocumentInput("resident_id", "110101199003074477")],
        ),
        actor=actor,
    )
    CatalogueItem.objects.get_or_create(
        code="BENCH-REG",
        defaults={
            "name": "挂号费",
            "kind": "service",
            "charge_category": "registration",
            "insurance_category": "A",
            "unit_price_fen": 1000,
        },
    )
    client = Client()
    client.force_login(staff.user)
    return client, institution, patient.pk, actor


def make_bills(count: int, institution, patient_id: int, actor, tag: str) -> list[int]:
    bills = []
    for n in range(count):
        charge = charges.create_charge(
            charges.ChargeRequest(
                patient_id=patient_id,
                institution_id=institution.pk,
                visit_reference=f"B{tag}{n}",
                item_code="BENCH-REG",
                quantity=1,
                source="registration",
                source_key=f"bench-{tag}-{n}",
            ),
            actor=actor,
        )
        bills.append(charge.bill_id)
    return bills


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def bench_settlements(client, bill_ids: list[int], channel: str) -> float:
    """Counter settlements (cash; bank card with its POS slip number) with an Idempotency-Key."""
    started = time.perf_counter()
    for bill_id in bill_ids:
        payload = {"mode": "window", "channel": channel, "reference": f"POS{bill_id}"}
        response = client.post(
            f"/api/billing/bills/{bill_id}/settlements",
            json.dumps(payload),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"bench-{bill_id}",
        )
        assert response.status_code == 201, response.content
    return rate(len(bill_ids), time.perf_counter() - started)


def bench_baseline(client, bill_ids: list[int]) -> float:
    started = time.perf_counter()
    for bill_id in bill_ids:
        assert client.get(f"/api/billing/bills/{bill_id}").status_code == 200
    return rate(len(bill_ids), time.perf_counter() - started)


def bench_mobile_orders(client, bill_ids: list[int], channel: str) -> tuple[float, list[str]]:
    """The first half of a mobile settlement: the order opened from the patient's phone
    (`POST …/settlements` with mode "mobile"; our settlement and payment, the provider's order
    in its sandbox, the cashier address answered). Returns the rate and the order numbers."""
    started, cpu = time.perf_counter(), time.process_time()
    orders = []
    for bill_id in bill_ids:
        response = client.post(
            f"/api/billing/bills/{bill_id}/settlements",
            json.dumps({"mode": "mobile", "channel": channel}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        orders.append(response.json()["out_trade_no"])
    CPU_MS[f"open_{channel}"].append(cpu_ms(cpu, len(bill_ids)))
    return rate(len(bill_ids), time.perf_counter() - started), orders


def signed_notice(channel: str, out_trade_no: str) -> tuple[bytes, str, dict[str, str]]:
    """The buyer pays at the provider; the provider's signed notice as it would be POSTed:
    body, content type and request headers. The provider's work, never timed."""
    if channel == "wechat":
        headers, body = wechat_sandbox.notification(wechat_sandbox.pay(out_trade_no))
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        return body, "application/json", meta
    form = alipay_sandbox.notification(alipay_sandbox.pay(out_trade_no))
    return urlencode(form).encode(), "application/x-www-form-urlencoded", {}


def bench_notices(client, orders: list[str], channel: str) -> tuple[float, float]:
    """The second half: the orders paid at the provider, then their notices (each delivered
    twice, the second a duplicate) through POST /api/billing/notify/<channel>. Signing is the
    provider's work and is done before the clock starts."""
    notices = [signed_notice(channel, order) for order in orders]
    rates = []
    for _round in ("first", "duplicate"):
        started, cpu = time.perf_counter(), time.process_time()
        for body, content_type, meta in notices:
            response = client.post(f"/api/billing/notify/{channel}", body, content_type, **meta)
            assert response.status_code in (200, 204), response.content
            assert channel == "wechat" or response.content == b"success", response.content
        rates.append(rate(len(notices), time.perf_counter() - started))
        CPU_MS[f"{channel}_notice_{_round}"].append(cpu_ms(cpu, len(notices)))
    assert Payment.objects.filter(status="pending", out_trade_no__in=orders).count() == 0
    return rates[0], rates[1]


# This process's CPU milliseconds per request by phase: a shared machine disturbs them less
# than the rates (PostgreSQL's own CPU is not in them).
CPU_MS: dict[str, list[float]] = {
    k: []
    for k in (
        "baseline_get",
        "settle_cash",
        "settle_card",
        "open_wechat",
        "wechat_notice_first",
        "wechat_notice_duplicate",
        "open_alipay",
        "alipay_notice_first",
        "alipay_notice_duplicate",
    )
}


def cpu_ms(started_cpu: float, count: int) -> float:
    return round((time.process_time() - started_cpu) * 1000 / count, 2)


def with_cpu(name: str, count: int, measure):
    cpu = time.process_time()
    result = measure()
    CPU_MS[name].append(cpu_ms(cpu, count))
    return result


def seed_million(count: int, institution, patient_id: int) -> str:
    """`count` paid WeChat payments of one day (COPY, not the ORM) and the provider's tradebill
    for them with a few planted mismatches. Returns the statement text."""
    if Payment.objects.filter(out_trade_no__startswith="MB").count() != count:
        Payment.objects.filter(out_trade_no__startswith="MB").delete()
        Settlement.objects.filter(bill__visit_reference="MILLION").delete()
        copy_million(count, institution, patient_id)
    return million_statement(count)


def copy_million(count: int, institution, patient_id: int) -> None:
    bill, _ = Bill.objects.get_or_create(
        institution=institution,
        visit_reference="MILLION",
        defaults={
            "patient_id": patient_id,
            "visit_kind": "outpatient",
            "opened_at": dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC),
        },
    )
    at = f"{DAY} 10:00:00+08"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM billing_settlement")
        first_id = cursor.fetchone()[0] + 1
        settlement_rows = io.StringIO()
        payment_rows = io.StringIO()
        for n in range(count):
            sid = first_id + n
            amount = 1000 + n % 5000
            settlement_rows.write(
                f"{sid}\t{bill.pk}\twindow\twechat\tsettled\t{amount}\t0\t0\t{amount}\t\t\t\t\\N\t"
                f"{at}\t{at}\tbench\t\t\t0\t0\t\t0\tf\t\n"
            )
            payment_rows.write(
                f"{sid}\twechat\t{amount}\t0\tsucceeded\tMB{n:012d}\t42{n:026d}\t\t\t{at}\t{at}\n"
            )
        raw = cursor.cursor
        with raw.copy(
            "COPY billing_settlement (id, bill_id, mode, channel, status, total_fen, fund_fen,"
            " account_fen, cash_fen, insurance_quote_id, insurance_settlement_id, ebill_id,"
            " clinic_id, started_at, settled_at, started_by, idempotency_scope, idempotency_key,"
            " commercial_fen, blood_fen, commercial_id, deposit_fen, ebill_due, settled_by)"
            " FROM STDIN"
        ) as copy:
            copy.write(settlement_rows.getvalue())
        with raw.copy(
            "COPY billing_payment (settlement_id, channel, amount_fen, refunded_fen, status,"
            " out_trade_no, provider_trade_no, reference, cashier_url, created_at, paid_at)"
            " FROM STDIN"
        ) as copy:
            copy.write(payment_rows.getvalue())
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('billing_settlement', 'id'), %s)",
            [first_id + count],
        )
        cursor.execute("ANALYZE billing_payment")


def million_statement(count: int) -> str:
    # Planted: order 7 missing at the provider, order 11 one fen more, one order only they know.
    lines = [wechat_sandbox.TRADEBILL_HEADER]
    lines += [
        tradebill_line(f"MB{n:012d}", 1000 + n % 5000 + (n == 11)) for n in range(count) if n != 7
    ]
    lines.append(tradebill_line("MBEXTRA000001", 500))
    lines.append("总交易单数,应结订单总金额,退款总金额")
    return "\n".join(lines) + "\n"


def tradebill_line(out_trade_no: str, amount: int) -> str:
    fields = [
        "2026-11-23 10:00:00",
        "wx",
        "1900000109",
        "0",
        "",
        "4200",
        out_trade_no,
        "o",
        "MWEB",
        "SUCCESS",
        "OTHERS",
        "CNY",
        fen_to_yuan(amount),
        "0.00",
        "0",
        "0",
        "0.00",
        "0.00",
        "",
        "",
        "bench",
        "",
        "0.00",
        "0.60%",
        fen_to_yuan(amount),
        "0.00",
        "",
    ]
    return ",".join(f"`{value}" for value in fields)


def bench_reconcile(statement: str) -> tuple[float, float, int, int]:
    """Wall seconds, this process's CPU seconds (less sensitive to a shared machine), matched,
    mismatches."""
    started, cpu = time.perf_counter(), time.process_time()
    run = reconciliation.reconcile_day(channel="wechat", day=DAY, statement=statement)
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    return wall, used, run.matched, len(run.mismatches)


# What the request runs report, in the order a run measures them. A mobile settlement is two
# requests, the order opened and the provider's first notice; `mobile_<channel>` is the rate of
# the pair (one over the sum of their times per request), so it counts both.
REQUESTS = (
    "baseline_get",
    "settle_cash",
    "open_wechat",
    "wechat_notice",
    "wechat_notice_duplicate",
    "mobile_wechat",
    "open_alipay",
    "alipay_notice",
    "alipay_notice_duplicate",
    "mobile_alipay",
    "settle_card",
)


def run_requests(client, bills: dict[str, list[int]], results: dict[str, list]) -> None:
    n = len(bills["cash"])
    results["baseline_get"].append(
        with_cpu("baseline_get", n, lambda: bench_baseline(client, bills["cash"]))
    )
    results["settle_cash"].append(
        with_cpu("settle_cash", n, lambda: bench_settlements(client, bills["cash"], "cash"))
    )
    for channel in ("wechat", "alipay"):
        opened, orders = bench_mobile_orders(client, bills[channel], channel)
        first, duplicate = bench_notices(client, orders, channel)
        results[f"open_{channel}"].append(opened)
        results[f"{channel}_notice"].append(first)
        results[f"{channel}_notice_duplicate"].append(duplicate)
        results[f"mobile_{channel}"].append(round(1 / (1 / opened + 1 / first), 1))
    results["settle_card"].append(
        with_cpu("settle_card", n, lambda: bench_settlements(client, bills["card"], "bank_card"))
    )


def report(results: dict[str, list]) -> None:
    """Runs, medians, and each rate's ratio to the same run's baseline GET (median of the
    runs' ratios)."""
    medians: dict[str, float] = {k: statistics.median(results[k]) for k in REQUESTS}
    medians |= {f"cpu_ms_{k}": statistics.median(v) for k, v in CPU_MS.items() if v}
    for name in REQUESTS[1:]:
        ratios = [
            got / baseline
            for got, baseline in zip(results[name], results["baseline_get"], strict=True)
        ]
        medians[f"{name}_vs_baseline"] = round(statistics.median(ratios), 3)
    sys.stdout.write(
        json.dumps({"runs": results, "cpu_ms": CPU_MS, "medians": medians}, indent=1) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests of each kind")
    parser.add_argument("--transactions", type=int, default=1_000_000, help="0: requests only")
    parser.add_argument("--reconcile-only", action="store_true", help="skip the request benchmarks")
    args = parser.parse_args()
    require_bench_database()
    client, institution, patient_id, actor = setup()
    adapter_for("wechat"), adapter_for("alipay")  # load the sandbox keys before timing
    results: dict[str, list] = {
        k: [] for k in (*REQUESTS, "load", "reconcile_s", "reconcile_cpu_s")
    }
    if args.warmup and not args.reconcile_only:
        # The process's first requests pay imports, connection set-up and caches; the first
        # run's baseline GET used to carry them all (22 ms against 6 ms a request after).
        warm = {
            kind: make_bills(args.warmup, institution, patient_id, actor, f"{time.time_ns()}{kind}")
            for kind in ("cash", "card", "wechat", "alipay")
        }
        run_requests(client, warm, {k: [] for k in REQUESTS})
        for spent in CPU_MS.values():
            spent.clear()
    for run in range(0 if args.reconcile_only else args.runs):
        load_before = os.getloadavg()[0]
        tag = f"{time.time_ns()}r{run}"
        bills = {
            kind: make_bills(args.requests, institution, patient_id, actor, tag + kind)
            for kind in ("cash", "card", "wechat", "alipay")
        }
        run_requests(client, bills, results)
        results["load"].append([round(load_before, 2), round(os.getloadavg()[0], 2)])
    if not args.transactions:
        report(results)
        return
    statement = seed_million(args.transactions, institution, patient_id)
    for _run in range(args.runs):
        seconds, cpu, matched, mismatches = bench_reconcile(statement)
        results["reconcile_s"].append(round(seconds, 2))
        results["reconcile_cpu_s"].append(round(cpu, 2))
        sys.stdout.write(
            f"reconcile: {seconds:.2f}s (cpu {cpu:.2f}s) "
            f"matched={matched} mismatches={mismatches}\n"
        )
    medians = {k: statistics.median(v) for k, v in results.items() if v and k != "load"}
    sys.stdout.write(json.dumps({"runs": results, "medians": medians}, indent=2) + "\n")


if __name__ == "__main__":
    main()
