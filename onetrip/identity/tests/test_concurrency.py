"""Two windows register the same document at the same moment: exactly one patient results
(R-ID-1). Needs a real server with row locks and unique indexes under concurrency: PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection

from onetrip.core.errors import InvalidInput
from onetrip.identity import services as identity
from onetrip.identity.models import IdentityDocument, Patient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (set DATABASE_URL)")


def test_simultaneous_registrations_of_one_document_create_one_patient(postgres_only, clerk):
    registration = identity.PatientRegistration(
        name="王伟",
        sex="male",
        birth_date=dt.date(1990, 3, 7),
        phone="13812345678",
        documents=[identity.DocumentInput("resident_id", "110101199003074477")],
    )
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def register() -> None:
        start.wait()
        try:
            identity.register_patient(registration, actor=clerk)
            outcomes.append("registered")
        except InvalidInput as exc:
            outcomes.append(exc.errors[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "registered"]
    assert Patient.objects.count() == 1
    assert IdentityDocument.objects.count() == 1
