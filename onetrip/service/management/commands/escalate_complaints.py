from django.core.management.base import BaseCommand

from onetrip.service.services import complaints


class Command(BaseCommand):
    help = "Escalate complaints unanswered past their deadline and tell the patients."

    def handle(self, *args, **options):
        count = complaints.escalate_overdue()
        self.stdout.write(f"escalated {count}")
