"""The e-bill worker (D245): issue the e-bills of settled settlements once, or keep polling with
--loop (`make demo` runs it beside the web server). Several may run at once; each settlement is
claimed by one. A settlement whose e-bill failed is tried again after a pause that doubles from
30 s up to 1 h (this process's memory; a restart tries it at once)."""

import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from onetrip.billing.services import settlements

FIRST_PAUSE = 30.0
LAST_PAUSE = 3600.0


class Command(BaseCommand):
    help = "Issue the electronic bills of settled settlements; --loop keeps polling."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep polling until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", type=int, default=50, help="settlements at a time")

    def handle(self, *args, loop: bool, interval: float, batch: int, **options) -> None:
        if not loop:
            done = settlements.issue_due_ebills(batch=batch)
            self.stdout.write(f"e-bills issued {done.issued}, failed {len(done.failed)}")
            return
        self.stdout.write(f"issuing e-bills every {interval:g} s (Ctrl-C stops)")
        retry: dict[int, tuple[float, float]] = {}  # settlement → (when to try again, pause)
        try:
            while True:
                close_old_connections()
                now = time.monotonic()
                waiting = frozenset(pk for pk, (at, _) in retry.items() if at > now)
                try:
                    done = settlements.issue_due_ebills(batch=batch, skip=waiting)
                except DatabaseError as exc:  # the database restarting: try again shortly
                    self.stderr.write(f"e-bills paused: {exc}")
                    time.sleep(interval)
                    continue
                for pk in done.failed:
                    pause = min(retry.get(pk, (0.0, FIRST_PAUSE / 2))[1] * 2, LAST_PAUSE)
                    retry[pk] = (now + pause, pause)
                for pk in [pk for pk, (at, _) in retry.items() if at <= now]:
                    del retry[pk]  # tried in this pass and issued (or not reached: at once)
                if done.issued + len(done.failed) < batch:  # a full batch: more may be due
                    time.sleep(interval)
        except KeyboardInterrupt:
            return
