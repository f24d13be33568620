"""The public-health API: a hut gateway's batch sent twice over HTTP files each reading once
and only for its own hut; staff trace a lot and a person as JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.identity.models import IdentityDocument
from onetrip.publichealth.models import HutReading
from onetrip.publichealth.services import huts
from onetrip.publichealth.tests import factories
from onetrip.publichealth.tests.factories import HEPB_PREFIX, trace_code
from onetrip.scheduling.api_keys import issue_api_key


@pytest.fixture
def gateway(clinic, township, make_staff):
    hut = consortium.create_institution(
        code="I001",
        name="鹿西岛健康小屋",
        level=InstitutionLevel.ISLAND_HUT,
        parent=township,
        actor=SYSTEM,
    )
    doctor = actor_for(make_staff("doctor", township))
    huts.register_device(hut.pk, huts.DeviceIn("BP-0001", "bp"), actor=doctor)
    admin = actor_for(make_staff("sysadmin", clinic.hospital))
    _client, key = issue_api_key(hut.pk, "小屋网关", "primary_care", actor=admin)
    _other, other_key = issue_api_key(township.pk, "卫生院系统", "primary_care", actor=admin)
    return key, other_key


def _batch(resident: str) -> dict:
    return {
        "serial": "BP-0001",
        "readings": [
            {
                "reading_uid": f"BP-0001-{n:08d}",
                "resident_document": resident,
                "kind": "bp",
                "measured_at": NOW.isoformat(),
                "systolic": 150 + n,
                "diastolic": 85,
            }
            for n in range(3)
        ],
    }


def test_a_batch_sent_twice_over_http_files_each_reading_once(clinic, gateway):
    key, other_key = gateway
    resident = IdentityDocument.objects.get(patient=clinic.mother).number
    http = Client()
    first = http.post(
        "/api/publichealth/huts/readings",
        _batch(resident),
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    assert first.status_code == 200, first.content
    assert first.json()["filed"] == 3
    again = http.post(
        "/api/publichealth/huts/readings",
        _batch(resident),
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    assert again.json() == {"filed": 0, "already_filed": 3, "unknown_residents": []}
    assert HutReading.objects.count() == 3
    # Another institution's system cannot upload for this hut's device.
    foreign = http.post(
        "/api/publichealth/huts/readings",
        _batch(resident),
        content_type="application/json",
        HTTP_X_API_KEY=other_key,
    )
    assert foreign.status_code == 404


def test_staff_trace_a_lot_and_a_person_as_json(clinic):
    lot = factories.a_lot(clinic.nurse)
    factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    http = Client()
    http.force_login(clinic.nurse.user)
    people = http.get(f"/api/publichealth/lots/{lot.pk}/recipients").json()
    assert [p["patient_id"] for p in people] == [clinic.child.pk]
    doses = http.get(f"/api/publichealth/patients/{clinic.child.pk}/doses").json()
    assert [(d["lot_number"], d["trace_code"]) for d in doses] == [
        (lot.lot_number, trace_code(HEPB_PREFIX, 1))
    ]
