"""Persons, automatic links, the review queue, merge and unmerge (R-ID-2)."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import actor_for
from onetrip.core.errors import DomainError, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.mpi import services as mpi
from onetrip.mpi.models import BlockingKey, CandidateStatus, MatchCandidate, MergeReason

E_HEALTH = "E1D10AAC73D0B947060B099128732C969A6EF97A6014BF41B3D19EEF9A4FBB18"


@pytest.fixture
def reviewer(make_staff, tertiary):
    return actor_for(make_staff("service_centre", tertiary))


def e_health(number=E_HEALTH):
    return [identity.DocumentInput("e_health_card", number)]


def test_registration_files_the_record_and_gives_it_a_person(clock, register):
    patient = register()
    person = mpi.person_of(patient.pk)
    assert person.master_id.startswith("MPI")
    keys = set(BlockingKey.objects.filter(patient=patient).values_list("key", flat=True))
    assert "p:13812345678" in keys
    assert "n:zhangwei:1990" in keys


def test_re_registration_with_an_e_health_card_and_a_homophone_is_linked(clock, register):
    first = register()
    second = register(name="张玮", documents=e_health())
    assert mpi.person_of(first.pk) == mpi.person_of(second.pk)
    assert {p.pk for p in mpi.records_of(mpi.person_of(first.pk))} == {first.pk, second.pk}


def test_possible_twins_go_to_the_review_queue_not_linked(clock, register):
    first = register(name="张明", address="杭州市文三路1号")
    second = register(name="张亮", address="杭州市文三路1号", documents=e_health())
    assert mpi.person_of(first.pk) != mpi.person_of(second.pk)
    candidate = MatchCandidate.objects.get()
    assert candidate.status == CandidateStatus.PENDING
    assert candidate.guard == "possible_twin"


def _minor_with_mother():
    return {
        "birth_date": dt.date(2020, 5, 1),
        "guardian": identity.GuardianInput("resident_id", "110101199003074477", "parent"),
    }


def test_merge_and_unmerge_round_trip_with_audit(clock, register, reviewer):
    first = register()
    other = register(
        name="王芳",
        sex="female",
        birth_date=dt.date(1985, 6, 1),
        phone="13900001111",
        documents=e_health(),
    )
    before = mpi.person_of(other.pk)
    merge = mpi.merge_patients(first.pk, other.pk, actor=reviewer)
    assert mpi.person_of(other.pk) == mpi.person_of(first.pk)
    assert merge.reason == MergeReason.STAFF
    assert merge.evidence["fields"]  # the explanation is kept with the merge
    merged_audit = AuditEvent.objects.filter(
        patient_id=other.pk, summary__startswith="record merged"
    )
    assert merged_audit.count() == 1

    mpi.unmerge_patient(other.pk, actor=reviewer)
    assert mpi.person_of(other.pk) == before  # back under its own master ID
    assert mpi.person_of(first.pk) != before
    other.refresh_from_db()
    assert other.name == "王芳"  # nothing of the source record changed
    assert AuditEvent.objects.filter(
        patient_id=other.pk, summary__startswith="merge undone"
    ).exists()
    # Staff said they differ: the pair is remembered as decided.
    assert MatchCandidate.objects.get().status == CandidateStatus.REJECTED


def test_refusals_are_clear(clock, register, reviewer):
    first = register()
    second = register(name="张玮", documents=e_health())  # linked automatically
    with pytest.raises(DomainError) as refused:
        mpi.merge_patients(first.pk, second.pk, actor=reviewer)
    assert refused.value.code == "already_merged"
    with pytest.raises(DomainError) as refused:
        mpi.unmerge_patient(first.pk, actor=reviewer)  # the survivor was never merged
    assert refused.value.code == "never_merged"
    absorbed = mpi.person_of(second.pk).absorbed.get()
    survivor = mpi.person_of(first.pk)
    third = register(
        name="李四",
        birth_date=dt.date(1970, 1, 1),
        phone="13700000000",
        documents=[identity.DocumentInput("resident_id", "110101197001010016")],
    )
    with pytest.raises(DomainError) as refused:
        mpi.merge_persons(mpi.person_of(third.pk).master_id, absorbed.master_id, actor=reviewer)
    assert refused.value.code == "merged_elsewhere"
    merge = mpi.unmerge_patient(second.pk, actor=reviewer)
    with pytest.raises(DomainError) as refused:
        mpi.unmerge(merge.pk, actor=reviewer)
    assert refused.value.code == "already_unmerged"
    assert survivor.master_id != absorbed.master_id


def test_unmerge_in_the_wrong_order_is_refused(clock, register, reviewer):
    a = register()
    b = register(name="张玮", documents=e_health())  # b's person into a's
    c = register(
        name="李四",
        birth_date=dt.date(1970, 1, 1),
        phone="13700000000",
        documents=[identity.DocumentInput("resident_id", "110101197001010016")],
    )
    # a's person (with b) is merged into c's: the first merge cannot be undone before this one.
    later = mpi.merge_persons(
        mpi.person_of(c.pk).master_id, mpi.person_of(a.pk).master_id, actor=reviewer
    )
    with pytest.raises(DomainError) as refused:
        mpi.unmerge(_first_merge(b), actor=reviewer)
    assert refused.value.code == "later_merge"
    mpi.unmerge(later.pk, actor=reviewer)
    mpi.unmerge(_first_merge(b), actor=reviewer)
    assert len({mpi.person_of(p.pk).pk for p in (a, b, c)}) == 3


def _first_merge(patient):
    from onetrip.mpi.models import PersonMerge

    return PersonMerge.objects.filter(moved__patient=patient).order_by("merged_at", "id").first().pk


def test_review_decisions(clock, register, reviewer):
    first = register(name="张明", documents=[], **_minor_with_mother())
    second = register(name="张亮", documents=[], **_minor_with_mother())
    candidate = MatchCandidate.objects.get()
    assert mpi.review_queue(actor=reviewer) == [candidate]
    mpi.decide_candidate(candidate.pk, same_person=False, actor=reviewer)
    assert mpi.person_of(first.pk) != mpi.person_of(second.pk)
    assert mpi.review_queue(actor=reviewer) == []
    with pytest.raises(DomainError) as refused:
        mpi.decide_candidate(candidate.pk, same_person=True, actor=reviewer)
    assert refused.value.code == "already_decided"


def test_accepting_a_candidate_merges(clock, register, reviewer):
    first = register(name="张明", documents=[], **_minor_with_mother())
    second = register(name="张明", documents=[], **_minor_with_mother())
    candidate = MatchCandidate.objects.get()
    assert candidate.guard == "guardian_document"
    mpi.decide_candidate(candidate.pk, same_person=True, actor=reviewer)
    assert mpi.person_of(first.pk) == mpi.person_of(second.pk)


def test_a_clerk_cannot_merge(clock, register, clerk):
    first = register()
    with pytest.raises(PermissionDenied):
        mpi.merge_patients(first.pk, first.pk + 1, actor=clerk)


def _foreigner(register, name, passport, **overrides):
    fields = {
        "name": name,
        "birth_date": dt.date(1985, 6, 14),
        "phone": "13900001111",
        "address": "杭州市文三路1号",
        "documents": [identity.DocumentInput("passport", passport, "GBR")],
    }
    fields.update(overrides)
    return register(**fields)


def test_a_foreigners_name_slip_at_the_desk_links_when_others_spell_it_right(clock, register):
    # Other Haydens are on file, nobody is called Hayedn: a clerk's slip, not a twin (D335).
    hayden = _foreigner(register, "Hayden Smith", "E10000001")
    _foreigner(register, "Hayden Brown", "E10000002", phone="13900002222", address="")
    slip = _foreigner(register, "Hayedn Smith", "E10000003")
    assert mpi.person_of(slip.pk) == mpi.person_of(hayden.pk)


def test_a_foreigners_name_one_letter_off_with_no_one_else_to_tell_goes_to_review(clock, register):
    # Nobody else holds either spelling: they may be twins, so staff decide.
    hayden = _foreigner(register, "Hayden Smith", "E10000001")
    other = _foreigner(register, "Hayedn Smith", "E10000003")
    assert mpi.person_of(other.pk) != mpi.person_of(hayden.pk)
    assert MatchCandidate.objects.get().guard == "possible_twin"
