"""Two windows register the same document at the same moment: exactly one patient results
(R-ID-1). Needs a real server with row locks and unique indexes under concurrency: PostgreSQL."""

import datetime as dt

import pytest

from onetrip.conftest import race
from onetrip.core.errors import InvalidInput
from onetrip.identity import services as identity
from onetrip.identity.models import IdentityDocument, Patient

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_registrations_of_one_document_create_one_patient(postgres_only, clerk):
    registration = identity.PatientRegistration(
        name="王伟",
        sex="male",
        birth_date=dt.date(1990, 3, 7),
        phone="13812345678",
        documents=[identity.DocumentInput("resident_id", "110101199003074477")],
    )

    def register() -> str:
        try:
            identity.register_patient(registration, actor=clerk)
        except InvalidInput as exc:
            return exc.errors[0].code
        return "registered"

    outcomes = race([register] * 4)

    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "registered"]
    assert Patient.objects.count() == 1
    assert IdentityDocument.objects.count() == 1
