"""Rewrite the indicators' daily rollups (R-KPI-1). Without dates: the last days before today,
as the hourly task does; with --from/--to: any days, e.g. after records arrived very late or a
component's definition changed."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from onetrip.core.actors import SYSTEM
from onetrip.metrics import services


class Command(BaseCommand):
    help = "Rewrite the monitoring indicators' daily rollups from the raw records."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="end", type=dt.date.fromisoformat, help="inclusive")

    def handle(self, *args, start=None, end=None, **options) -> None:
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
