"""The notification worker: deliver what is due once, or keep polling with --loop (make demo
runs it beside the web server). Several may run at once; each notice is claimed by one."""

import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from onetrip.notifications import services


class Command(BaseCommand):
    help = "Deliver due notifications (SMS, app, WeChat) with retries; --loop keeps polling."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep polling until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", type=int, default=50, help="notices claimed at a time")

    def handle(self, *args, loop: bool, interval: float, batch: int, **options) -> None:
        if not loop:
            self.stdout.write(f"notifications handled: {services.deliver_due(batch)}")
            return
        self.stdout.write(f"delivering notifications every {interval:g} s (Ctrl-C stops)")
        try:
            while True:
                close_old_connections()
                try:
                    handled = services.deliver_due(batch)
                except DatabaseError as exc:  # the database restarting: try again shortly
                    self.stderr.write(f"delivery paused: {exc}")
                    handled = 0
                if handled < batch:  # a full batch: more may be due now
                    time.sleep(interval)
        except KeyboardInterrupt:
            return
