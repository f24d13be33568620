from django.core.management.base import BaseCommand

from onetrip.service.services import record_copies


class Command(BaseCommand):
    help = "Ask the courier about posted record copies and mark the delivered ones."

    def handle(self, *args, **options):
        self.stdout.write(f"delivered {record_copies.track_deliveries()}")
