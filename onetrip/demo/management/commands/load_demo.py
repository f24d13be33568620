"""`manage.py load_demo`: the demo consortium, staff accounts and synthetic patients."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onetrip.consortium.models import Institution
from onetrip.demo.loader import DemoSummary, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo consortium (institutions, departments, doctors), one staff account per "
        "role and synthetic patients. Does nothing if the demo is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=int, default=3000, help="number of synthetic patients (3000)"
        )
        parser.add_argument(
            "--seed", type=int, default=20261123, help="random seed, for repeatable data"
        )

    def handle(self, *args: Any, patients: int, seed: int, **options: Any) -> None:
        if patients < 0:
            self.stderr.write("--patients must be zero or more.")
            return
        step = max(patients // 10, 1)

        def progress(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                self.stdout.write(f"patients {done}/{total}")

        summary = load_demo(patients=patients, seed=seed, progress=progress)
        self._report(summary)

    def _report(self, summary: DemoSummary) -> None:
        if summary.already_loaded:
            self.stdout.write("Demo data is already loaded; nothing changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {summary.institutions} institutions, {summary.departments} "
                    f"departments, {summary.clinics} clinics, {summary.doctors} doctors, "
                    f"{summary.staff_accounts} staff accounts, {summary.patients} patients and "
                    f"{summary.reports} exam reports "
                    f"in {summary.seconds:.1f} s. Admissions with a deposit (cashier desk, "
                    f"/staff/billing/desk/?visit=…): {', '.join(summary.admissions)}."
                )
            )
        names = dict(Institution.objects.values_list("code", "name"))
        self.stdout.write("Staff accounts (sign in at /staff/login):")
        width = max(len(account.username) for account in summary.accounts)
        for account in summary.accounts:
            institution = names.get(account.institution_code, account.institution_code)
            self.stdout.write(f"  {account.username:<{width}}  {account.role:<14}  {institution}")
        self.stdout.write(f"Password for every demo account: {summary.password}")
