"""For tests of any app: run the worker as the demo's would, then read the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from onetrip.notifications import services
from onetrip.notifications.models import Notification


def delivered(**filters) -> QuerySet[Notification]:
    """Deliver everything due now (synchronously), then the notifications matching `filters`."""
    while services.deliver_due():
        pass
    return Notification.objects.filter(**filters)
