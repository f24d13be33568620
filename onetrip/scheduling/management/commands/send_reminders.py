import datetime as dt

from django.core.management.base import BaseCommand

from onetrip.core import clock
from onetrip.scheduling.services import booking


class Command(BaseCommand):
    help = "Queue the day-before reminder of every confirmed booking tomorrow (run once a day)."

    def handle(self, *args, **options) -> None:
        count = booking.send_day_before_reminders(day=clock.today() + dt.timedelta(days=1))
        self.stdout.write(f"{count} reminders queued.")
