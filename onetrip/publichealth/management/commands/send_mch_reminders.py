from django.core.management.base import BaseCommand

from onetrip.publichealth.services import maternal_child


class Command(BaseCommand):
    help = (
        "Queue reminders of unbooked antenatal and child health checks due within a week "
        "(run once a day; booked checks get scheduling's day-before reminder)."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{maternal_child.send_due_reminders()} reminders queued.")
