"""“This may be you”: registration shows possible duplicates before creating a record (R-ID-2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.mpi import services as mpi
from onetrip.notifications.testing import delivered

E_HEALTH = "E1D10AAC73D0B947060B099128732C969A6EF97A6014BF41B3D19EEF9A4FBB18"


def homophone_registration(**overrides):
    fields = {
        "name": "张玮",
        "sex": "male",
        "birth_date": dt.date(1990, 3, 7),
        "phone": "13812345678",
        "documents": [identity.DocumentInput("e_health_card", E_HEALTH)],
    }
    fields.update(overrides)
    return identity.PatientRegistration(**fields)


def test_service_finds_the_existing_record_before_registration(clock, register, clerk):
    existing = register()
    features = mpi.registration_features_of(homophone_registration())
    matches = mpi.possible_duplicates(features, actor=clerk)
    assert [m.patient.pk for m in matches] == [existing.pk]
    # A different person is not offered.
    stranger = mpi.registration_features_of(
        homophone_registration(
            name="李娜", sex="female", birth_date=dt.date(1975, 1, 2), phone="13600000000"
        )
    )
    assert mpi.possible_duplicates(stranger, actor=clerk) == []


def test_registration_without_a_birth_date_is_not_searched():
    assert mpi.registration_features_of(homophone_registration(birth_date=None)) is None


STAFF_FORM = {
    "name": "张玮",
    "sex": "male",
    "birth_date": "1990-03-07",
    "phone": "13812345678",
    "doc_type": "e_health_card",
    "doc_number": E_HEALTH,
}


@pytest.mark.django_db
def test_clerk_is_warned_with_masked_details_then_may_register_anyway(
    client, clock, clerk, register
):
    existing = register()
    client.force_login(clerk.user)
    page = client.post("/staff/patients/new", STAFF_FORM).content.decode()
    assert 'id="possible-duplicates"' in page
    assert "张*" in page
    assert "138****5678" in page
    assert "1101**********4477" in page
    assert "110101199003074477" not in page
    assert Patient.objects.count() == 1  # nothing created yet

    response = client.post("/staff/patients/new", {**STAFF_FORM, "confirmed_new": "1"})
    created = Patient.objects.exclude(pk=existing.pk).get()
    assert response["Location"] == f"/staff/patients/{created.pk}"
    # Registered anyway, and the index linked the two records to one person.
    assert mpi.person_of(created.pk) == mpi.person_of(existing.pk)


@pytest.mark.django_db
def test_a_patient_is_never_shown_possible_duplicates(client, clock, register):
    """Other people's records stay out of a patient's sight (issue 12 item 2, D56): the one
    registered with this very phone joins the account at sign-in instead."""
    existing = register()
    client.post("/p/sign-in", {"phone": "13812345678"})
    code = re.search(r"\d{6}", delivered().get().body).group()
    client.post("/p/sign-in", {"phone": "13812345678", "code": code})
    assert f'data-patient-id="{existing.pk}"' in client.get("/p/").content.decode()

    page = client.post("/p/register", {**STAFF_FORM, "relationship": "self"}, follow=True)

    assert "possible-duplicates" not in page.content.decode()
    assert "张*" not in page.content.decode()
    assert Patient.objects.count() == 2  # registered as asked; the index links the two for staff
