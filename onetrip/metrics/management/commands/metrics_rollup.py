"""Rewrite the indicators' daily rollups (R-KPI-1). Without dates: the last days before today,
as the hourly task does; with --from/--to: any days, e.g. after records arrived very late or a
component's definition changed; with --months N: every closed day of the last N months (the
dashboard's trend), as the demo does after its simulation."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from onetrip.core import clock
from onetrip.core.actors import SYSTEM
from onetrip.metrics import services
from onetrip.metrics.periods import month_of, trailing_months


class Command(BaseCommand):
    help = "Rewrite the monitoring indicators' daily rollups from the raw records."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="end", type=dt.date.fromisoformat, help="inclusive")
        parser.add_argument("--months", type=int, help="the closed days of the last N months")

    def handle(self, *args, start=None, end=None, months=None, **options) -> None:
        if months is not None:
            if months < 1 or start is not None or end is not None:
                raise CommandError("give --months 1 or more, without --from and --to")
            first = trailing_months(month_of(clock.today()), months)[0].start
            start, end = first, clock.today() - dt.timedelta(days=1)
        if (start is None) != (end is None):
            raise CommandError("give both --from and --to, or neither")
        if start is None:
            report = services.refresh_recent(actor=SYSTEM)
        else:
            if end < start:
                raise CommandError("--to is before --from")
            report = services.refresh_rollups(start, end + dt.timedelta(days=1), actor=SYSTEM)
        if options["verbosity"]:
            self.stdout.write(
                f"rolled up {report.days} days from {report.start} to before {report.end}: "
                f"{report.rows} rows"
            )
