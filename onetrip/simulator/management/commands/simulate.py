"""`onetrip simulate --days N --seed S`: synthetic care episodes through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onetrip.core import clock
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import DomainError
from onetrip.demo.loader import TERTIARY_CODE
from onetrip.metrics import services as metrics
from onetrip.simulator.cast import workstation_username
from onetrip.simulator.engine import Mix, Summary, simulate

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Simulate patient episodes over the demo consortium (run load_demo first): bookings by "
        "channel, cancellations, no-shows, stop-clinics, visits, exams, reports and payments, "
        "all through the services, with simulated time. The same seed gives the same run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=3, help="simulated days (3)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument(
            "--start",
            type=dt.date.fromisoformat,
            help="first simulated day, YYYY-MM-DD (default: the --days days before today)",
        )
        parser.add_argument(
            "--episodes-per-day",
            type=int,
            default=Mix.episodes_per_day,
            help=f"patient episodes on a weekday ({Mix.episodes_per_day})",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="do nothing if a simulation has already run on this database (make demo)",
        )

    def handle(
        self, *args: Any, days: int, seed: int, start, episodes_per_day: int, once: bool, **options
    ):
        if days < 1 or days > 60:
            raise CommandError("--days must be between 1 and 60.")
        if episodes_per_day < 0:
            raise CommandError("--episodes-per-day must be zero or more.")
        if (
            once
            and get_user_model()
            .objects.filter(username=workstation_username(TERTIARY_CODE))
            .exists()
        ):
            self.stdout.write("A simulation has already run on this database; nothing changed.")
            return
        try:
            summary = simulate(
                days=days,
                seed=seed,
                start=start,
                mix=Mix(episodes_per_day=episodes_per_day),
                progress=self._bar if self.stdout.isatty() else self._line,
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        if self.stdout.isatty():
            self.stdout.write("")
        # The simulated days are closed: their indicator rollups are built once, here (D94).
        metrics.refresh_rollups(summary.first_day, clock.today(), actor=SYSTEM)
        self._report(summary)
        if summary.refund_problems:
            for problem in summary.refund_problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(summary.refund_problems)} refunds that the simulation did not cause (D90)."
            )
        self.stdout.write("Refunds: only fees of bookings the simulation ended.")

    def _bar(self, done: int, total: int, bookings: int) -> None:
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] day {done}/{total}, {bookings} bookings", ending="")
        self.stdout.flush()

    def _line(self, done: int, total: int, bookings: int) -> None:
        self.stdout.write(f"day {done}/{total}: {bookings} bookings")

    def _report(self, summary: Summary) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Simulated {summary.days} days ({summary.first_day} to {summary.last_day}): "
                f"{summary.episodes} patient episodes in {summary.run_seconds:.1f} s "
                f"({summary.episodes_per_second:.0f} episodes/s, "
                f"{summary.run_cpu_seconds:.1f} s CPU; set-up {summary.prepare_seconds:.1f} s)."
            )
        )
        width = max((len(name) for name in summary.counts), default=0)
        for name, value in sorted(summary.counts.items()):
            self.stdout.write(f"  {name:<{width}}  {value}")
