from django.core.management.base import BaseCommand

from onetrip.exams import services


class Command(BaseCommand):
    help = "Mark booked exams not checked in 30 minutes after their slot ended as no-shows."

    def handle(self, *args, **options) -> None:
        missed = services.mark_no_shows()
        self.stdout.write(f"{missed} exams marked as no-shows.")
