from django.core.management.base import BaseCommand

from onetrip.publichealth.services import births


class Command(BaseCommand):
    help = "Ask the household and insurance agencies about accepted birth applications."

    def handle(self, *args, **options):
        self.stdout.write(f"moved {births.track_births()}")
