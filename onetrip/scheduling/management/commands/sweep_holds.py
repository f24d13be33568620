from django.core.management.base import BaseCommand

from onetrip.scheduling.services import booking


class Command(BaseCommand):
    help = "Reclaim expired payment holds and book the freed units for waiting patients."

    def handle(self, *args, **options) -> None:
        sessions = booking.sweep_expired_holds()
        self.stdout.write(f"{sessions} sessions got units back.")
