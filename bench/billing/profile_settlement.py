"""Where one settlement's time and round trips go (issue 14): SQL statements per request (by
kind) and this process's CPU per settlement, for a cash settlement at the window and a mobile
one (WeChat Pay: the order opened from the phone, then the provider's notice), optionally with
a cProfile of the whole batch. Run by hand on a bench database (see bench_billing.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_billing_bench \\
        .venv/bin/python bench/billing/profile_settlement.py --count 50 [--profile 25]

Since D245 the e-bill is issued by the e-bill worker (`billing_issue_ebills`), not in the
request; its cost per settlement is measured as its own line ("e-bill worker"), after the
requests, so that the total moved out of the request stays visible.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_billing import make_bills, require_bench_database, setup  # noqa: E402
from django.db import connection  # noqa: E402

from onetrip.billing.channels import adapter_for  # noqa: E402
from onetrip.billing.models import Settlement  # noqa: E402
from onetrip.billing.sandbox import wechat as wechat_sandbox  # noqa: E402
from onetrip.billing.services import settlements  # noqa: E402


class StatementLog:
    """Every statement sent to the database while installed, by its leading keyword."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.texts: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.kinds[sql.split(None, 1)[0].upper()] += 1
        self.texts.append(sql)
        return execute(sql, params, many, context)

    @property
    def count(self) -> int:
        return sum(self.kinds.values())


def settle_cash(client, bill_id: int) -> None:
    response = client.post(
        f"/api/billing/bills/{bill_id}/settlements",
        json.dumps({"mode": "window", "channel": "cash"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"profile-{bill_id}",
    )
    assert response.status_code == 201, response.content


def open_mobile(client, bill_id: int) -> str:
    response = client.post(
        f"/api/billing/bills/{bill_id}/settlements",
        json.dumps({"mode": "mobile", "channel": "wechat"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["out_trade_no"]


def notice_for(out_trade_no: str) -> tuple[bytes, dict]:
    """The provider's side (paid at the cashier, the signed notice): not our cost."""
    headers, body = wechat_sandbox.notification(wechat_sandbox.pay(out_trade_no))
    return body, {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def deliver(client, notice: tuple[bytes, dict]) -> None:
    body, meta = notice
    response = client.post("/api/billing/notify/wechat", body, "application/json", **meta)
    assert response.status_code == 204, response.content


def measure(name: str, calls, profiler: cProfile.Profile | None) -> dict:
    """Statements and CPU ms of each call; the medians over the batch."""
    statements, cpu = [], []
    log = StatementLog()
    for call in calls:
        before = log.count
        started = time.process_time()
        with connection.execute_wrapper(log):
            if profiler is not None:
                profiler.enable()
            call()
            if profiler is not None:
                profiler.disable()
        cpu.append((time.process_time() - started) * 1000)
        statements.append(log.count - before)
    per_call = {k: round(v / len(calls), 1) for k, v in log.kinds.most_common()}
    return {
        "what": name,
        "statements_median": statistics.median(statements),
        "statements_by_kind": per_call,
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "last_call_sql": log.texts[-statements[-1] :] if statements[-1] else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (tottime, …)")
    parser.add_argument("--sql", action="store_true", help="print the last call's statements")
    args = parser.parse_args()
    require_bench_database()
    client, institution, patient_id, actor = setup()
    adapter_for("wechat")
    tag = f"{time.time_ns()}p"
    warm = make_bills(5, institution, patient_id, actor, tag + "w")
    for bill_id in warm:
        settle_cash(client, bill_id)
    cash = make_bills(args.count, institution, patient_id, actor, tag + "c")
    mobile = make_bills(args.count, institution, patient_id, actor, tag + "m")
    # CPU time, not wall time: the machine is shared.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    results = [
        measure("cash settlement", [lambda b=b: settle_cash(client, b) for b in cash], profiler)
    ]
    trades: list[str] = []
    results.append(
        measure(
            "mobile settlement: order opened (WeChat Pay)",
            [lambda b=b: trades.append(open_mobile(client, b)) for b in mobile],
            profiler,
        )
    )
    notices = [notice_for(trade) for trade in trades]
    results.append(
        measure(
            "mobile settlement: provider's notice",
            [lambda n=n: deliver(client, n) for n in notices],
            profiler,
        )
    )
    due = Settlement.objects.filter(ebill_due=True).count()
    if due:  # the worker's share, one e-bill per call (what left the request, D245)
        results.append(
            measure(
                "e-bill worker, per settlement (after the request)",
                [lambda: settlements.issue_due_ebills(batch=1) for _ in range(due)],
                profiler,
            )
        )
    for result in results:
        sql = result.pop("last_call_sql")
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        if args.sql:
            sys.stdout.write("".join(f"    {text[:160]}\n" for text in sql))
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.profile)
        sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
