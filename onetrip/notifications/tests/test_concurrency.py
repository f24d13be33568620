"""Several workers at once (issue 7 item 1): each notice is claimed and sent once. Needs row
locks with SKIP LOCKED: PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction

from onetrip.conftest import race
from onetrip.notifications import services
from onetrip.notifications.models import DeliveryAttempt, Notification, SandboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_workers_send_each_notice_once(postgres_only, register, clock):
    patient = register()
    with transaction.atomic():
        for n in range(60):
            services.notify(
                "billing_link",
                phone=f"139{n:08d}",
                subject=patient,
                params={"link": f"https://onetrip.example/p/bills/{n}"},
            )

    def worker() -> None:
        while services.deliver_due(limit=5):
            pass

    # a deadlock or a unique violation would show as an outcome
    assert race([worker] * 4) == [None] * 4
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert SandboxMessage.objects.count() == 60
    assert SandboxMessage.objects.values("address").distinct().count() == 60
    assert DeliveryAttempt.objects.count() == 60
