"""Recovery sweep (run every minute from cron/systemd): settle payments the provider confirmed
but we did not record, release orders that will never be paid, issue missing e-bills."""

from django.core.management.base import BaseCommand

from onetrip.billing.services import payments


class Command(BaseCommand):
    help = "Ask the payment providers about pending payments and settle or release them."

    def handle(self, *args, **options) -> None:
        report = payments.reconcile_pending()
        self.stdout.write(
            f"settled {report.settled}, closed {report.closed}, "
            f"still pending {report.still_pending}, e-bills issued {report.ebills_issued}"
        )
