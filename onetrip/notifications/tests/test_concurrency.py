"""Several workers at once (issue 7 item 1): each notice is claimed and sent once. Needs row
locks with SKIP LOCKED: PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from onetrip.notifications import services
from onetrip.notifications.models import DeliveryAttempt, Notification, SandboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests run on PostgreSQL (set DATABASE_URL)")


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
    start = threading.Barrier(4)
    errors: list[str] = []

    def worker() -> None:
        start.wait()
        try:
            while services.deliver_due(limit=5):
                pass
        except Exception as exc:  # a deadlock or a unique violation would show here
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert SandboxMessage.objects.count() == 60
    assert SandboxMessage.objects.values("address").distinct().count() == 60
    assert DeliveryAttempt.objects.count() == 60
