from django_tasks import task

from onetrip.core.actors import SYSTEM
from onetrip.metrics import services


@task()
def refresh_recent_rollups() -> None:
    """Hourly: rewrite the rollups of the last days, so late events reach their day."""
    services.refresh_recent(actor=SYSTEM)
