"""The pre-admission visit and the blood donor's claim through the API (issue 25): the same
services as the centre's pages, with field-level problems for bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from onetrip.conftest import NOW
from onetrip.inpatient.models import BloodDonorClaim, PreAdmissionVisit
from onetrip.inpatient.tests.test_blood_fees import SPOUSE_ID, admitted, blood_centre, donor
from onetrip.inpatient.tests.test_pre_admission import a_notice, hospital

__all__ = ["admitted", "blood_centre", "hospital"]  # fixtures shared with the service tests


@pytest.fixture
def desk(client, centre):
    client.force_login(centre.user)
    return client


def post(client, path: str, payload: dict):
    return client.post(path, json.dumps(payload), content_type="application/json")


def fields(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_the_centre_books_the_one_visit_and_reads_its_steps(hospital, desk, doctor, register):
    admission = a_notice(doctor, register())
    path = f"/api/inpatient/admissions/{admission.pk}/pre-admission"
    assert desk.get(path).json() is None  # nothing planned yet

    planned = post(desk, path, {"day": NOW.date().isoformat()})

    assert planned.status_code == 200
    steps = planned.json()["steps"]
    assert steps[-1]["where"] == "麻醉科"  # the consultation after the exams
    assert {step["state"] for step in steps} == {"booked"}
    assert desk.get(path).json() == planned.json()
    assert post(desk, path, {"day": NOW.date().isoformat()}).json() == planned.json()
    assert PreAdmissionVisit.objects.count() == 1


@pytest.mark.parametrize(
    ("day", "field"),
    [
        ((NOW.date() + dt.timedelta(days=5)).isoformat(), "day"),  # Saturday: no clinic
        ((NOW.date() - dt.timedelta(days=1)).isoformat(), "day"),  # yesterday
        ("next week", "day"),
    ],
)
def test_a_day_the_visit_cannot_take_is_a_problem_on_day(
    hospital, desk, doctor, register, day, field
):
    admission = a_notice(doctor, register())

    refused = post(desk, f"/api/inpatient/admissions/{admission.pk}/pre-admission", {"day": day})

    assert refused.status_code == 422
    assert fields(refused) == {field}
    assert not PreAdmissionVisit.objects.exists()


def test_the_centre_records_a_donors_spouse_and_reads_the_allowance(admitted, desk):
    donor(SPOUSE_ID, 400)
    path = f"/api/inpatient/admissions/{admitted.pk}/blood-donor"
    assert desk.get(path).json() is None

    claimed = post(
        desk,
        path,
        {
            "donor_id_number": SPOUSE_ID,
            "relationship": "spouse",
            "proof": "marriage_certificate",
        },
    )

    assert claimed.status_code == 200
    body = claimed.json()
    assert (body["donated_ml"], body["unlimited"], body["allowance_ml"]) == (400, False, 400)
    assert desk.get(path).json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"relationship": "cousin", "proof": "id_card"}, "relationship"),
        ({"relationship": "spouse", "proof": "id_card"}, "proof"),  # not proof of a marriage
        ({"relationship": "self", "proof": "id_card", "donor_id_number": ""}, "donor_id_number"),
        (  # the blood centre has no donation under this number
            {"relationship": "self", "proof": "id_card", "donor_id_number": "110101199003074477"},
            "donor_id_number",
        ),
    ],
)
def test_a_claim_the_records_do_not_bear_out_is_a_problem_on_its_field(
    admitted, desk, payload, field
):
    donor(SPOUSE_ID, 400)

    refused = post(
        desk,
        f"/api/inpatient/admissions/{admitted.pk}/blood-donor",
        {"donor_id_number": SPOUSE_ID} | payload,
    )

    assert refused.status_code == 422
    assert field in fields(refused)
    assert not BloodDonorClaim.objects.exists()
