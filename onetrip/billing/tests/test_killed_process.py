"""A crash between the provider's success and our settlement, with the process really killed
(issue 6 reliability, D35), on PostgreSQL: a separate process (`killed_worker.py`) gets the
payment committed at the sandbox provider, makes every write of our settlement and is SIGKILLed
before it commits; PostgreSQL rolls its transaction back, and the recovery sweep settles the
payment exactly once."""

import datetime as dt
import os
import queue
import signal
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from onetrip.billing.models import (
    JournalLine,
    Payment,
    ProviderNotice,
    SandboxTrade,
    Settlement,
)
from onetrip.billing.services import charges, payments
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.conftest import NOW
from onetrip.ebills.models import EBill
from onetrip.insurance.models import InsuranceSettlement, PlatformExchange, SandboxSettlement

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = db["HOST"] + (f":{db['PORT']}" if db["PORT"] else "")
    return f"postgres://{user}@{host}/{db['NAME']}"


def run_until_settling(mode: str, out_trade_no: str, *options: str) -> list[str]:
    """Start the worker, wait until it has made our writes, SIGKILL it; its output lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "onetrip.billing.tests.killed_worker", mode, out_trade_no]
        + [(NOW + dt.timedelta(minutes=3)).isoformat(), *options],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in process.stdout]).start()
    seen = []
    try:
        while "settling" not in seen:
            seen.append(lines.get(timeout=90))
    except queue.Empty:
        process.kill()
        pytest.fail(f"the worker never reached our commit: {seen} {process.stderr.read()}")
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    return seen


def sweep() -> str:
    out = StringIO()
    call_command("billing_reconcile_pending", stdout=out)
    return out.getvalue().strip()


def settlement_entries() -> int:
    return JournalLine.objects.filter(entry__memo="settlement", account="revenue").count()


def assert_nothing_of_ours_committed(settlement: Settlement) -> None:
    settlement.refresh_from_db()
    assert settlement.status == "pending"
    assert Payment.objects.get(settlement=settlement).status == "pending"
    assert settlement_entries() == 0
    assert not ProviderNotice.objects.exists()  # the notice is applied with the settlement
    assert not EBill.objects.exists()


def assert_settled_once(settlement: Settlement) -> None:
    settlement.refresh_from_db()
    trade = SandboxTrade.objects.get(out_trade_no=settlement.payment.out_trade_no)
    assert settlement.status == "settled"
    assert settlement.payment.status == "succeeded"
    assert settlement.payment.provider_trade_no == trade.trade_no
    assert settlement_entries() == 1
    assert EBill.objects.filter(settlement_reference=str(settlement.pk)).count() == 1


def test_killed_while_applying_the_notice_then_the_sweep_settles_once(
    postgres_only, bill, cashier, clock
):
    settlement = settle(bill, cashier, channel="wechat")
    seen = run_until_settling("notice", settlement.payment.out_trade_no)

    assert seen == ["provider paid", "settling"]
    assert SandboxTrade.objects.get().state == "SUCCESS"  # the provider has the money
    assert_nothing_of_ours_committed(settlement)

    clock.advance(payments.QUERY_AFTER + dt.timedelta(minutes=2))
    # The sweep also drains the e-bill worker's queue (D245).
    assert sweep() == "settled 1, closed 0, still pending 0, e-bills issued 1"
    assert_settled_once(settlement)
    assert sweep() == "settled 0, closed 0, still pending 0, e-bills issued 0"
    # The provider retries its notification: acknowledged, nothing credited again.
    assert deliver("wechat", wechat_notice(SandboxTrade.objects.get())).status_code == 204
    assert_settled_once(settlement)


def test_killed_while_the_sweep_settles_then_the_next_sweep_settles_once(
    postgres_only, bill, cashier, clock
):
    settlement = settle(bill, cashier, channel="wechat")
    provider_pays(settlement)  # the notice is lost
    run_until_settling("sweep", "-")
    assert_nothing_of_ours_committed(settlement)

    clock.advance(payments.QUERY_AFTER + dt.timedelta(minutes=2))
    assert sweep().startswith("settled 1,")
    assert_settled_once(settlement)
    assert sweep().startswith("settled 0,")


def test_killed_after_the_insurance_platform_settled_is_recovered_without_a_second_2207(
    postgres_only, bill, patient, tertiary, cashier, clock
):
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference=bill.visit_reference,
            item_code="SP-NUT",  # 丙类: self-paid, so there is a cash part for WeChat Pay
            quantity=1,
            source="prescription",
            source_key="rx-killed-1",
        ),
        actor=cashier,
    )
    settlement = settle(bill, cashier, channel="wechat", use_insurance=True)
    assert settlement.cash_fen > 0
    assert settlement.insurance_quote_id
    run_until_settling("notice", settlement.payment.out_trade_no, "--remote-insurance")

    assert_nothing_of_ours_committed(settlement)
    assert SandboxSettlement.objects.filter(reversed=False).count() == 1  # the platform settled

    clock.advance(payments.QUERY_AFTER + dt.timedelta(minutes=2))
    assert sweep().startswith("settled 1,")
    assert_settled_once(settlement)
    settlement.refresh_from_db()
    insured = InsuranceSettlement.objects.get()
    assert settlement.insurance_settlement_id == str(insured.pk)
    assert (insured.fund_fen, insured.account_fen, insured.cash_fen) == (
        settlement.fund_fen,
        settlement.account_fen,
        settlement.cash_fen,
    )
    assert PlatformExchange.objects.filter(infno="2207").count() == 1
    assert SandboxSettlement.objects.count() == 1
