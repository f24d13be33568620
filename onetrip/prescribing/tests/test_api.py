"""The prescribing API: the findings explained, approval refused with 409 while a finding must
be changed, and approval of a clean prescription charged to the bill."""

from __future__ import annotations

import pytest

from onetrip.billing.models import Charge
from onetrip.consortium.models import StaffProfile
from onetrip.prescribing.tests.conftest import amlodipine, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist_client(client, rx):
    client.force_login(StaffProfile.objects.get(user=rx.pharmacist.user).user)
    return client


def test_findings_explained_and_approval_refused_then_given(rx, pharmacist_client):
    blocked = write(rx, amlodipine(dose="20"))
    read = pharmacist_client.get(f"/api/prescribing/prescriptions/{blocked.pk}")
    assert read.status_code == 200
    assert [f["rule"] for f in read.json()["findings"]] == ["single_dose", "daily_dose"]
    assert "20" in read.json()["findings"][0]["explanation"]
    refused = pharmacist_client.post(f"/api/prescribing/prescriptions/{blocked.pk}/approve")
    assert refused.status_code == 409
    assert refused.json()["code"] == "blocked"

    clean = write(rx)
    approved = pharmacist_client.post(f"/api/prescribing/prescriptions/{clean.pk}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert Charge.objects.filter(source_key__startswith=f"rx:{clean.pk}:").count() == 1
