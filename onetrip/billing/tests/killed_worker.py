"""A separate process for test_killed_process.py, run against the test database:

    python -m onetrip.billing.tests.killed_worker notice OT… 2026-11-23T09:33:00+08:00
    python -m onetrip.billing.tests.killed_worker sweep - 2026-11-23T09:33:00+08:00

`notice`: the patient pays at the sandbox provider (committed there), then the provider's
notification is POSTed to our endpoint. `sweep`: the recovery sweep runs. Either way the process
prints "provider paid" and stops dead once our settlement's writes are made but not committed
("settling"), holding the payment's row lock, until the test SIGKILLs it.

With `--remote-insurance` the insurance sandbox answers on a connection of its own, as the
remote national platform would: its settlement (2207) commits whatever becomes of ours.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    import django

    django.setup()
    from django.test import Client

    from onetrip.billing.sandbox import wechat as wechat_sandbox
    from onetrip.billing.services import sources
    from onetrip.core import clock
    from onetrip.insurance import client as insurance_client
    from onetrip.insurance.sandbox import SandboxPlatform

    mode, out_trade_no, at = argv[:3]
    if "--remote-insurance" in argv:
        insurance_client.current_platform = lambda: RemotePlatform(SandboxPlatform())

    # The paid lines' follow-ups come last, after every write of the settlement, whether
    # Python (`settlements._complete`) or the notice's SQL call (D291) made them.
    real_follow_ups = sources.run_follow_ups_of_lines

    def follow_ups_then_hang(*args, **kwargs):
        real_follow_ups(*args, **kwargs)
        say("settling")  # every write made, nothing committed
        time.sleep(600)

    sources.run_follow_ups_of_lines = follow_ups_then_hang
    with clock.frozen_at(dt.datetime.fromisoformat(at)):
        if mode == "notice":
            trade = wechat_sandbox.pay(out_trade_no)
            say("provider paid")
            headers, body = wechat_sandbox.notification(trade)
            meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
            Client().post("/api/billing/notify/wechat", body, "application/json", **meta)
        else:
            from django.core.management import call_command

            say("provider paid")
            call_command("billing_reconcile_pending")
    say("not killed")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class RemotePlatform:
    """The sandbox platform answering from a thread, so on a database connection of its own."""

    def __init__(self, platform) -> None:
        self.platform = platform

    def exchange(self, request: dict) -> dict:
        from django.db import connection

        answer: dict = {}

        def answer_remotely() -> None:
            try:
                answer.update(self.platform.exchange(request))
            finally:
                connection.close()

        thread = threading.Thread(target=answer_remotely)
        thread.start()
        thread.join()
        return answer


if __name__ == "__main__":
    main(sys.argv[1:])
