"""Daily: text patients whose pay-after-treatment bill falls due soon (R-PAY-4)."""

from django.core.management.base import BaseCommand

from onetrip.billing.services import credit


class Command(BaseCommand):
    help = "Send reminder SMS for pay-after-treatment debts due soon."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"reminders sent: {credit.send_due_reminders()}")
