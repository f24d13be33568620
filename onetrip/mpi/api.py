"""Master patient index JSON API, under /api/mpi (R-ID-2). Thin: the services decide."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Id
from onetrip.identity.api import RegistrationIn
from onetrip.mpi import legacy, services
from onetrip.mpi.models import MatchCandidate, PersonMerge
from onetrip.mpi.presenters import guard_label, present_explanation, present_match_warning

router = Router(tags=["master patient index"], auth=StaffSession())


class FieldScoreOut(Schema):
    field: str
    level: str
    weight: float
    field_label: str
    level_label: str


class DocumentShownOut(Schema):
    doc_type_label: str
    number: str


class PossibleDuplicateOut(Schema):
    id: int
    name: str
    sex_label: str
    birth_year: int
    phone: str
    documents: list[DocumentShownOut]
    registered_on: dt.date
    grade: str
    probability: float
    score: float
    explanation: list[FieldScoreOut]


class CandidateOut(Schema):
    id: int
    left_id: int
    right_id: int
    score: float
    probability: float
    guard: str
    guard_label: str
    status: str
    explanation: list[FieldScoreOut]


class MatchDecisionIn(Schema):
    same_person: bool


class MergeIn(Schema):
    left_id: Id
    right_id: Id


class MergeOut(Schema):
    id: int
    survivor: str
    absorbed: str
    reason: str
    merged_at: dt.datetime
    unmerged_at: dt.datetime | None
    patient_ids: list[int]


class PersonOut(Schema):
    master_id: str
    patient_ids: list[int]


def _candidate_out(candidate: MatchCandidate) -> dict:
    return {
        "id": candidate.pk,
        "left_id": candidate.left_id,
        "right_id": candidate.right_id,
        "score": candidate.score,
        "probability": candidate.probability,
        "guard": candidate.guard,
        "guard_label": guard_label(candidate.guard),
        "status": candidate.status,
        "explanation": present_explanation(candidate.explanation),
    }


def _merge_out(merge: PersonMerge) -> dict:
    return {
        "id": merge.pk,
        "survivor": merge.survivor.master_id,
        "absorbed": merge.absorbed.master_id,
        "reason": merge.reason,
        "merged_at": merge.merged_at,
        "unmerged_at": merge.unmerged_at,
        "patient_ids": list(merge.moved.values_list("patient_id", flat=True)),
    }


@router.post("/candidates", response=list[PossibleDuplicateOut])
def search_candidates(request: HttpRequest, payload: RegistrationIn):
    """Existing records a registration about to be made may duplicate ("this may be you"),
    masked, each with its score explained. Nothing is written."""
    actor = api_staff_actor(request)
    features = services.registration_features_of(payload.to_registration())
    if features is None:
        return []
    policy = services.thresholds()
    return [
        {
            **present_match_warning(m.patient, m.comparison, policy),
            "score": m.comparison.total,
            "explanation": present_explanation(m.comparison.explanation()),
        }
        for m in services.possible_duplicates(features, actor=actor)
    ]


@router.get("/queue", response=list[CandidateOut])
def review_queue(request: HttpRequest):
    actor = api_staff_actor(request)
    return [_candidate_out(c) for c in services.review_queue(actor=actor)]


@router.post("/queue/{candidate_id}/decision", response=CandidateOut)
def decide(request: HttpRequest, candidate_id: Id, payload: MatchDecisionIn):
    actor = api_staff_actor(request)
    candidate = services.decide_candidate(
        candidate_id, same_person=payload.same_person, actor=actor
    )
    return _candidate_out(candidate)


@router.post("/merges", response={201: MergeOut})
def merge(request: HttpRequest, payload: MergeIn):
    actor = api_staff_actor(request)
    return Status(
        201, _merge_out(services.merge_patients(payload.left_id, payload.right_id, actor=actor))
    )


@router.post("/merges/{merge_id}/undo", response=MergeOut)
def unmerge(request: HttpRequest, merge_id: Id):
    actor = api_staff_actor(request)
    return _merge_out(services.unmerge(merge_id, actor=actor))


@router.get("/patients/{patient_id}/person", response=PersonOut)
def person_of_patient(request: HttpRequest, patient_id: Id):
    person = services.view_person_of(patient_id, actor=api_staff_actor(request))
    return {
        "master_id": person.master_id,
        "patient_ids": [p.pk for p in services.records_of(person)],
    }


class SourceRecordRefOut(Schema):
    source_system: str
    source_record_id: str


class SourceRecordOut(Schema):
    source_system: str
    source_record_id: str
    fhir_identifier_system: str
    status: str
    flags: list[str]
    reason: str
    master_id: str
    patient_ids: list[int]
    same_person: list[SourceRecordRefOut]


@router.get("/source-records", response=SourceRecordOut)
def source_record(request: HttpRequest, system: str, record_id: str):
    """The cross-reference (IHE PIX): what a legacy row became, and its person's other rows."""
    xref = legacy.view_source_record(system, record_id, actor=api_staff_actor(request))
    return {
        "source_system": xref.source.source_system,
        "source_record_id": xref.source.source_record_id,
        "fhir_identifier_system": legacy.source_system_uri(xref.source.source_system),
        "status": xref.source.status,
        "flags": [f for f in xref.source.flags.split(",") if f],
        "reason": xref.source.reason,
        "master_id": xref.master_id,
        "patient_ids": xref.patient_ids,
        "same_person": [{"source_system": s, "source_record_id": i} for s, i in xref.same_person],
    }
