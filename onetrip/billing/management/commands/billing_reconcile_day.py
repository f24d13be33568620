"""Daily reconciliation of one channel against the provider's statement file."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand

from onetrip.billing.channels import adapter_for
from onetrip.billing.services import reconciliation


class Command(BaseCommand):
    help = "Match our payments and refunds of a day with a provider statement; list mismatches."

    def add_arguments(self, parser) -> None:
        parser.add_argument("channel", choices=["wechat", "alipay"])
        parser.add_argument("day", type=dt.date.fromisoformat)
        parser.add_argument("--statement", type=Path, help="a statement file; default: download it")

    def handle(self, *args, channel, day, statement, **options) -> None:
        text = (
            statement.read_text(encoding="utf-8")
            if statement
            else adapter_for(channel).download_statement(day)
        )
        run = reconciliation.reconcile_day(channel=channel, day=day, statement=text)
        self.stdout.write(f"matched {run.matched}, mismatches {len(run.mismatches)}")
        for mismatch in run.mismatches:
            self.stdout.write(
                f"{mismatch['problem']}\t{mismatch['kind']}\t{mismatch['key']}\t"
                f"{mismatch['ours_fen']}\t{mismatch['theirs_fen']}"
            )
