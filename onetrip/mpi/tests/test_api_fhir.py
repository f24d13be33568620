"""The MPI's JSON API and FHIR `Patient/$match` (R-ID-2), FHIR validated with fhir.resources."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.mpi import services as mpi
from onetrip.mpi.fhir_views import MATCH_GRADE_EXTENSION

pytestmark = pytest.mark.django_db

E_HEALTH = "E1D10AAC73D0B947060B099128732C969A6EF97A6014BF41B3D19EEF9A4FBB18"


@pytest.fixture
def steward(make_staff, tertiary):
    return make_staff("service_centre", tertiary)


def twins(register):
    first = register(name="张明", address="杭州市文三路1号")
    second = register(
        name="张亮",
        address="杭州市文三路1号",
        documents=[identity.DocumentInput("e_health_card", E_HEALTH)],
    )
    return first, second


def test_candidate_search_explains_and_masks(client, clock, clerk, register):
    register()
    client.force_login(clerk.user)
    response = client.post(
        "/api/mpi/candidates",
        {"name": "ZHANG WEI", "sex": "male", "birth_date": "1990-03-07", "phone": "13900000000"},
        content_type="application/json",
    )
    assert response.status_code == 200
    [candidate] = response.json()
    assert candidate["name"] == "张*"
    assert candidate["grade"] == "certain"
    name = next(e for e in candidate["explanation"] if e["field"] == "name")
    assert name["level"] == "romanised"
    assert name["weight"] > 0


def test_review_queue_and_decision_through_the_api(client, clock, register, steward):
    first, second = twins(register)
    client.force_login(steward.user)
    [queued] = client.get("/api/mpi/queue").json()
    assert queued["guard"] == "possible_twin"
    assert queued["guard_label"]
    response = client.post(
        f"/api/mpi/queue/{queued['id']}/decision",
        {"same_person": False},
        content_type="application/json",
    )
    assert response.json()["status"] == "rejected"
    again = client.post(
        f"/api/mpi/queue/{queued['id']}/decision",
        {"same_person": True},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


def test_merge_and_undo_through_the_api(client, clock, register, steward):
    first, second = twins(register)
    client.force_login(steward.user)
    merged = client.post(
        "/api/mpi/merges",
        {"left_id": first.pk, "right_id": second.pk},
        content_type="application/json",
    )
    assert merged.status_code == 201
    person = client.get(f"/api/mpi/patients/{first.pk}/person").json()
    assert sorted(person["patient_ids"]) == [first.pk, second.pk]
    undone = client.post(f"/api/mpi/merges/{merged.json()['id']}/undo")
    assert undone.json()["unmerged_at"] is not None
    twice = client.post(f"/api/mpi/merges/{merged.json()['id']}/undo")
    assert twice.status_code == 409


def test_a_doctor_cannot_use_the_review_api(client, clock, make_staff, tertiary):
    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/api/mpi/queue").status_code == 403


def match_parameters(**patient):
    resource = {
        "resourceType": "Patient",
        "name": [{"family": "张", "given": ["玮"]}],
        "gender": "male",
        "birthDate": "1990-03-07",
        "telecom": [{"system": "phone", "value": "13812345678"}],
    }
    resource.update(patient)
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": resource}],
    }


def test_fhir_match_returns_a_scored_graded_bundle(client, clock, clerk, register):
    existing = register()
    register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1990, 3, 7),
        phone="13700000000",
        documents=[identity.DocumentInput("e_health_card", E_HEALTH)],
    )
    client.force_login(clerk.user)
    response = client.post(
        "/fhir/Patient/$match", match_parameters(), content_type="application/fhir+json"
    )
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json())
    assert bundle.type == "searchset"
    [entry] = bundle.entry
    assert entry.resource.id == str(existing.pk)
    assert entry.search.mode == "match"
    assert 0.99 < entry.search.score <= 1
    grade = entry.search.extension[0]
    assert grade.url == MATCH_GRADE_EXTENSION
    assert grade.valueCode == "certain"
    assert AuditEvent.objects.filter(summary__startswith="FHIR Patient $match").count() == 1


def test_fhir_match_grades_a_twin_below_certain(client, clock, clerk, register):
    twins(register)
    client.force_login(clerk.user)
    body = match_parameters(name=[{"text": "张亮"}], address=[{"text": "杭州市文三路1号"}])
    response = client.post("/fhir/Patient/$match", body, content_type="application/fhir+json")
    grades = {
        e["resource"]["name"][0]["text"]: e["search"]["extension"][0]["valueCode"]
        for e in response.json()["entry"]
    }
    assert grades["张明"] == "probable"


def test_fhir_match_refuses_bad_input_with_operation_outcomes(client, clock, clerk):
    client.force_login(clerk.user)
    not_parameters = client.post(
        "/fhir/Patient/$match", {"resourceType": "Patient"}, content_type="application/fhir+json"
    )
    assert not_parameters.status_code == 400
    OperationOutcome.model_validate(not_parameters.json())
    no_name = client.post(
        "/fhir/Patient/$match", match_parameters(name=[]), content_type="application/fhir+json"
    )
    assert no_name.status_code == 422
    # A GET reaches the operation (405), not the Patient read taking "$match" for an id (404).
    assert client.get("/fhir/Patient/$match").status_code == 405


def test_review_page_shows_the_pair_masked_with_its_explanation(client, clock, register, steward):
    first, second = twins(register)
    client.force_login(steward.user)
    queue = client.get("/staff/mpi/review/").content.decode()
    candidate_id = client.get("/api/mpi/queue").json()[0]["id"]
    assert f"/staff/mpi/review/{candidate_id}" in queue
    page = client.get(f"/staff/mpi/review/{candidate_id}").content.decode()
    assert "张明" in page
    assert "张亮" in page
    assert "1101**********4477" in page  # the service centre sees identifiers masked
    assert "110101199003074477" not in page
    assert 'class="field-name"' in page
    assert 'id="guard"' in page
    # A guard fired (possibly twins): keeping them apart is the first, focused choice.
    assert page.index('value="different" autofocus') < page.index('value="same"')
    assert AuditEvent.objects.filter(summary="possible duplicate reviewed").count() == 2
    response = client.post(f"/staff/mpi/review/{candidate_id}/decide", {"decision": "same"})
    assert response["Location"] == "/staff/mpi/review/"
    assert mpi.person_of(first.pk) == mpi.person_of(second.pk)


def test_review_page_is_refused_to_a_doctor(client, clock, make_staff, tertiary):
    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/staff/mpi/review/").status_code == 403


def test_fhir_match_without_a_birth_date_scores_it_as_missing(client, clock, clerk, register):
    existing = register(address="杭州市文三路1号")
    client.force_login(clerk.user)
    body = match_parameters(
        birthDate=None, name=[{"text": "张伟"}], address=[{"text": "杭州市文三路1号"}]
    )
    response = client.post("/fhir/Patient/$match", body, content_type="application/fhir+json")
    assert response.status_code == 200
    [entry] = response.json()["entry"]
    assert entry["resource"]["id"] == str(existing.pk)
    assert entry["search"]["extension"][0]["valueCode"] == "certain"


@pytest.mark.parametrize("posted", [{}, {"decision": ""}, {"decision": "SAME"}])
def test_a_review_posted_without_a_decision_decides_nothing(
    client, clock, register, steward, posted
):
    """It used to count as "different persons": the pair left the queue for good."""
    twins(register)
    client.force_login(steward.user)
    candidate_id = client.get("/api/mpi/queue").json()[0]["id"]
    response = client.post(f"/staff/mpi/review/{candidate_id}/decide", posted)
    assert response["Location"] == f"/staff/mpi/review/{candidate_id}"
    assert [c["id"] for c in client.get("/api/mpi/queue").json()] == [candidate_id]


def test_a_second_decision_on_a_decided_pair_changes_nothing(client, clock, register, steward):
    first, second = twins(register)
    client.force_login(steward.user)
    candidate_id = client.get("/api/mpi/queue").json()[0]["id"]
    client.post(f"/staff/mpi/review/{candidate_id}/decide", {"decision": "different"})
    again = client.post(f"/staff/mpi/review/{candidate_id}/decide", {"decision": "same"})
    assert again["Location"] == f"/staff/mpi/review/{candidate_id}"
    assert mpi.person_of(first.pk) != mpi.person_of(second.pk)
    api = client.post(
        f"/api/mpi/queue/{candidate_id}/decision",
        {"same_person": True},
        content_type="application/json",
    )
    assert api.status_code == 409
    assert mpi.person_of(first.pk) != mpi.person_of(second.pk)


@pytest.mark.parametrize(
    ("body", "expression"),
    [
        (match_parameters(birthDate="2023-02-30"), "Parameters.parameter[0].resource.birthDate"),
        (
            {"resourceType": "Parameters", "parameter": [{"name": "count", "valueInteger": "x"}]},
            "Parameters.parameter[0].valueInteger",
        ),
    ],
)
def test_fhir_match_names_the_element_it_cannot_read(client, clock, clerk, body, expression):
    client.force_login(clerk.user)
    response = client.post("/fhir/Patient/$match", body, content_type="application/fhir+json")
    assert response.status_code == 422
    outcome = OperationOutcome.model_validate(response.json())
    assert [issue.expression for issue in outcome.issue] == [[expression]]


def test_listing_the_review_queue_is_an_audited_read_of_both_records(
    client, clock, register, steward
):
    first, second = twins(register)
    client.force_login(steward.user)
    client.get("/staff/mpi/review/")
    listed = AuditEvent.objects.filter(summary="possible duplicate listed")
    assert sorted(listed.values_list("patient_id", flat=True)) == sorted([first.pk, second.pk])
    assert {event.actor_user_id for event in listed} == {steward.user.pk}
