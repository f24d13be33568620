"""Every change to the master patient index, and the candidate search (R-ID-2).

Identity owns the patient records; this app files them under blocking keys, links each to a
person, and merges or unmerges persons. Each public writer is one transaction with its audit row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, bulk, clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.masking import mask_name
from onetrip.core.models import AuditAction
from onetrip.identity.documents import validate_document
from onetrip.identity.models import IdentityDocument, Patient
from onetrip.identity.services import accessible_patients
from onetrip.mpi import matching
from onetrip.mpi.matching import (
    Comparison,
    Decision,
    Features,
    Frequencies,
    Guard,
    Thresholds,
)

if TYPE_CHECKING:
    from onetrip.identity.services import PatientRegistration

from onetrip.mpi.models import (
    BlockingKey,
    CandidateSource,
    CandidateStatus,
    MatchCandidate,
    MergedLink,
    MergeReason,
    Person,
    PersonLink,
    PersonMerge,
)

REVIEW_PERMISSION = "mpi.review_match"
# A block larger than this (a hospital's switchboard number given by many patients) says
# little; candidate search reads at most this many records from each key.
BLOCK_LIMIT = 200
MAX_CANDIDATES = 10


def thresholds() -> Thresholds:
    return Thresholds(**getattr(settings, "ONETRIP_MPI", {}))


# --- features of stored records -------------------------------------------------------------


def patient_features(patient: Patient) -> Features:
    """Features of a stored patient; prefetch `documents` when doing this for many."""
    own, guardian = [], []
    for doc in patient.documents.all():
        (guardian if doc.is_guardian_document else own).append((doc.doc_type, doc.number))
    return matching.features(
        patient.pk,
        name=patient.name,
        birth_date=patient.birth_date,
        sex=patient.sex,
        phone=patient.phone,
        address=patient.address,
        documents=own,
        guardian_documents=guardian,
    )


def frequencies_for(keys: Iterable[str]) -> Frequencies:
    """Counts of the frequency keys among `keys`, from the index (one grouped query)."""
    wanted = [k for k in keys if k.startswith(matching.FREQUENCY_PREFIXES)]
    counts = dict(
        BlockingKey.objects.filter(key__in=wanted)
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    # Shares are taken of REFERENCE_POPULATION records (D252), so no COUNT(*) of the registry.
    return Frequencies(counts)


# --- candidate search -----------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    patient: Patient
    comparison: Comparison


def find_matches(
    f: Features, *, exclude: Iterable[int] = (), limit: int = MAX_CANDIDATES
) -> list[Match]:
    """Records that may be the same person as `f`, best first, with their comparison. Reads
    only the blocks `f` falls in: never a scan of the registry."""
    keys = matching.blocking_keys(f)
    candidate_ids = _block_members(
        sorted(k for k in keys if k.startswith(matching.BLOCKING_PREFIXES))
    )
    candidate_ids.difference_update(exclude)
    if not candidate_ids:
        return []
    candidates = [
        (patient, patient_features(patient))
        for patient in Patient.objects.filter(pk__in=candidate_ids).prefetch_related("documents")
    ]
    # The candidates' name words too: a clerk's slip is told by how many hold each spelling.
    freq = frequencies_for(keys.union(*(matching.word_keys(g) for _p, g in candidates)))
    policy = thresholds()
    matches = []
    for patient, g in candidates:
        comparison = matching.compare(f, g, freq)
        if comparison.deterministic or comparison.total >= policy.possible_at:
            matches.append(Match(patient, comparison))
    matches.sort(key=lambda m: (not m.comparison.deterministic, -m.comparison.total, m.patient.pk))
    return matches[:limit]


def _block_members(keys: list[str]) -> set[int]:
    """The records filed under `keys`, at most BLOCK_LIMIT per key, in one round trip where the
    database allows a LIMIT inside a UNION (PostgreSQL), else one query per key (SQLite)."""
    per_key = [
        BlockingKey.objects.filter(key=key).values_list("patient_id", flat=True)[:BLOCK_LIMIT]
        for key in keys
    ]
    if not per_key:
        return set()
    if connection.features.supports_slicing_ordering_in_compound:
        return set(per_key[0].union(*per_key[1:], all=True))
    return {patient_id for query in per_key for patient_id in query}


def registration_features_of(registration: PatientRegistration) -> Features | None:
    """What a registration about to be made would be filed as; None while it lacks the name or
    birth date a search needs (the registration itself will say what is missing)."""
    name = " ".join(registration.name.split())
    if not name or registration.birth_date is None:
        return None
    return matching.features(
        0,
        name=name,
        birth_date=registration.birth_date,
        sex=registration.sex,
        phone="".join(registration.phone.split()),
        address=registration.address,
        documents=_valid_documents(registration.documents),
        guardian_documents=_valid_documents(
            [registration.guardian] if registration.guardian else []
        ),
    )


def _valid_documents(documents: Iterable[Any]) -> list[tuple[str, str]]:
    valid = []
    for doc in documents:
        with contextlib.suppress(InvalidInput):  # the registration reports it
            checked = validate_document(
                doc.doc_type, doc.number, issuing_country=doc.issuing_country or None
            )
            valid.append((checked.doc_type, checked.number))
    return valid


def possible_duplicates(f: Features, *, actor: Actor) -> list[Match]:
    """ "This may be you": existing records a registration about to be made may duplicate, for
    the clerk or the patient registering. The caller shows them masked."""
    # Staff only: a patient sees nothing of records outside their own (D56); an existing record
    # of theirs they claim with a code sent to its phone (identity.start_record_claim).
    if not (actor.has_perm("identity.add_patient") or actor.has_perm(REVIEW_PERMISSION)):
        raise PermissionDenied(_("Your role does not allow this."))
    policy = thresholds()
    return [
        m
        for m in find_matches(f)
        if m.comparison.decision(policy) in (Decision.LINK, Decision.REVIEW)
    ]


@transaction.atomic
def match_patients(
    f: Features, *, only_certain: bool, count: int, limit: int, actor: Actor
) -> list[Match]:
    """FHIR `Patient/$match`: the records the caller may read that may be `f`, best first (only
    the certain ones when asked), at most `count` of the best `limit`; one audit row, the name
    masked."""
    policy = thresholds()
    found = find_matches(f, limit=limit)
    readable = set(
        accessible_patients(actor)
        .filter(pk__in=[m.patient.pk for m in found])
        .values_list("pk", flat=True)
    )
    matches = [
        m
        for m in found
        if m.patient.pk in readable
        and (not only_certain or m.comparison.grade(policy) == matching.Grade.CERTAIN)
    ][:count]
    audit.record(
        actor,
        AuditAction.SEARCH,
        Patient,
        summary=f"FHIR Patient $match ({len(matches)} found)",
        changes={"name": mask_name(f.name), "birth_year": f.birth[:4]},
    )
    return matches


# --- indexing -------------------------------------------------------------------------------


def new_master_id() -> str:
    return f"MPI{secrets.token_hex(5).upper()}"


def index_patient(patient: Patient) -> Person:
    """File a newly registered patient, give it a person, and link or queue its matches.

    Runs in the registration's transaction (identity calls it), so a record is never without
    its person and blocking keys."""
    now = clock.now()
    f = patient_features(patient)
    BlockingKey.objects.bulk_create(
        [BlockingKey(key=key, patient=patient) for key in matching.blocking_keys(f)],
        ignore_conflicts=True,
    )
    person = Person.objects.create(master_id=new_master_id(), created_at=now)
    PersonLink.objects.create(patient=patient, person=person, linked_at=now)
    act_on_matches(patient, find_matches(f, exclude=[patient.pk]))
    return person


def reindex_patient(patient: Patient) -> None:
    """The record's name, phone or address changed: file it under its new keys."""
    BlockingKey.objects.filter(patient=patient).delete()
    BlockingKey.objects.bulk_create(
        [
            BlockingKey(key=k, patient=patient)
            for k in matching.blocking_keys(patient_features(patient))
        ]
    )


def act_on_matches(
    patient: Patient, matches: list[Match], *, source: str = CandidateSource.REGISTRATION
) -> None:
    """Link what scores above the automatic threshold (the index acts, as the system), queue
    what needs staff, and leave alone pairs staff have already decided."""
    policy = thresholds()
    decided = decided_pairs([patient.pk])
    for match in matches:
        if tuple(sorted((patient.pk, match.patient.pk))) in decided:
            continue
        decision = match.comparison.decision(policy)
        if decision == Decision.LINK:
            link_automatically(patient.pk, match.patient.pk, match.comparison, SYSTEM)
        elif decision == Decision.REVIEW:
            queue_candidate(match.comparison, source=source)


def link_automatically(a: int, b: int, comparison: Comparison, actor: Actor) -> bool:
    """Merge the persons of two records the matcher linked; False if they already were one."""
    survivor, absorbed = _persons_for_update(a, b)
    if survivor.pk == absorbed.pk:
        return False
    reason = MergeReason.DOCUMENT if comparison.deterministic else MergeReason.AUTOMATIC
    _merge(survivor, absorbed, reason=reason, evidence=_evidence(comparison), actor=actor)
    return True


def link_in_bulk(
    comparisons: list[Comparison], actor: Actor, *, held: list[Comparison] | None = None
) -> int:
    """The automatic links of a batch run's chunk, set-based: the same merges, moved links and
    audit rows as `link_automatically` one pair after the other, in a few statements. Falls back
    to pair by pair if a person involved was merged meanwhile (staff at a desk). Returns the
    number of merges. Runs in the caller's transaction.

    A scored link (not a shared document) that would give one person two citizen identity
    numbers is not made (D303): one person holds one for life, and two records of different
    persons link through a third one that holds neither (a card, a passport). Such pairs are
    appended to `held`, for the review queue."""
    patient_ids = {i for c in comparisons for i in (c.left, c.right)}
    person_of_patient = dict(
        PersonLink.objects.filter(patient_id__in=bulk.among(patient_ids)).values_list(
            "patient_id", "person_id"
        )
    )
    person_ids = sorted(set(person_of_patient.values()))
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update(no_key=True)
        .filter(pk__in=bulk.among(person_ids))
        .order_by("pk")
    }
    if len(person_of_patient) < len(patient_ids) or any(
        p.merged_into_id is not None for p in locked.values()
    ):
        return sum(link_automatically(c.left, c.right, c, actor) for c in comparisons)
    members = {
        person_id: list(ids)
        for person_id, ids in _group(
            PersonLink.objects.filter(person_id__in=bulk.among(person_ids)).values_list(
                "person_id", "patient_id"
            )
        ).items()
    }
    root = {pk: pk for pk in person_ids}
    citizen = _citizen_numbers(members)

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    now = clock.now()
    planned: list[tuple[PersonMerge, list[int]]] = []
    # The strongest evidence first: where two links would give one person two citizen numbers,
    # the weaker is held back (D303).
    for c in sorted(comparisons, key=lambda c: (not c.deterministic, -c.total)):
        a, b = find(person_of_patient[c.left]), find(person_of_patient[c.right])
        if a == b:
            continue
        if not c.deterministic and citizen[a] and citizen[b] and citizen[a] != citizen[b]:
            if held is not None:
                held.append(dataclasses.replace(c, guard=Guard.TWO_CITIZEN_NUMBERS))
            continue
        survivor, absorbed = locked[min(a, b)], locked[max(a, b)]  # the older survives
        citizen[survivor.pk] = citizen[a] | citizen.pop(absorbed.pk)
        reason = MergeReason.DOCUMENT if c.deterministic else MergeReason.AUTOMATIC
        moved = members.pop(absorbed.pk)
        members[survivor.pk] += moved
        root[absorbed.pk] = survivor.pk
        absorbed.merged_into = survivor
        merge = PersonMerge(
            survivor=survivor,
            absorbed=absorbed,
            reason=reason,
            evidence=_evidence(c),
            merged_at=now,
            merged_by=actor.label[:150],
        )
        planned.append((merge, moved))
    if not planned:
        return 0
    for merge, merge_id in zip(
        (m for m, _moved in planned), bulk.reserve_ids(PersonMerge, len(planned)), strict=True
    ):
        merge.pk = merge_id
    bulk.insert_rows(
        PersonMerge,
        MERGE_FIELDS,
        (tuple(getattr(m, name) for name in MERGE_FIELDS) for m, _moved in planned),
    )
    bulk.insert_rows(
        MergedLink,
        ("merge_id", "patient_id"),
        ((m.pk, patient_id) for m, moved in planned for patient_id in moved),
    )
    bulk.set_by_key(
        Person, "id", "merged_into_id", {m.absorbed_id: m.survivor_id for m, _moved in planned}
    )
    bulk.set_by_key(
        PersonLink,
        "patient_id",
        "person_id",
        {patient_id: find(m.survivor_id) for m, moved in planned for patient_id in moved},
        linked_at=now,
    )
    audit.record_many(
        actor,
        AuditAction.UPDATE,
        [
            (
                merge,
                patient_id,
                f"record merged: person {merge.absorbed.master_id} into {merge.survivor.master_id}",
                {"reason": merge.reason, "score": merge.evidence.get("score")},
            )
            for merge, moved in planned
            for patient_id in moved
        ],
    )
    return len(planned)


def _citizen_numbers(members: dict[int, list[int]]) -> dict[int, frozenset[str]]:
    """Per person, the citizen identity numbers its records hold as their own."""
    person_of = {patient_id: person for person, ids in members.items() for patient_id in ids}
    found: dict[int, set[str]] = {person: set() for person in members}
    documents = IdentityDocument.objects.filter(
        patient_id__in=bulk.among(person_of),
        doc_type__in=sorted(matching.CITIZEN_NUMBER_TYPES),
        is_guardian_document=False,
    ).values_list("patient_id", "number")
    for patient_id, number in documents:
        found[person_of[patient_id]].add(number)
    return {person: frozenset(numbers) for person, numbers in found.items()}


MERGE_FIELDS = (
    "id",
    "survivor_id",
    "absorbed_id",
    "reason",
    "evidence",
    "merged_at",
    "merged_by",
    "unmerged_at",
    "unmerged_by",
)


def _group(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def queue_in_bulk(comparisons: list[Comparison], *, source: str) -> int:
    """`queue_candidate` for a batch run's chunk, in two statements: pairs whose records are one
    person by now are skipped, pairs already queued or decided stay as they are. Returns the
    number of pairs offered to the queue."""
    ids = {i for c in comparisons for i in (c.left, c.right)}
    person = dict(
        PersonLink.objects.filter(patient_id__in=bulk.among(ids)).values_list(
            "patient_id", "person_id"
        )
    )
    policy, now = thresholds(), clock.now()
    candidates = [
        MatchCandidate(
            left_id=min(c.left, c.right),
            right_id=max(c.left, c.right),
            score=c.total,
            probability=c.probability(policy),
            explanation=c.explanation(),
            guard=c.guard or "",
            source=source,
            found_at=now,
        )
        for c in comparisons
        if person.get(c.left) != person.get(c.right)
    ]
    MatchCandidate.objects.bulk_create(candidates, ignore_conflicts=True, batch_size=2000)
    return len(candidates)


def queue_candidate(comparison: Comparison, *, source: str) -> MatchCandidate:
    """Put a pair on the review queue; a pair already there (or already decided) stays as is."""
    left, right = sorted((comparison.left, comparison.right))
    candidate, _created = MatchCandidate.objects.get_or_create(
        left_id=left,
        right_id=right,
        defaults={
            "score": comparison.total,
            "probability": comparison.probability(thresholds()),
            "explanation": comparison.explanation(),
            "guard": comparison.guard or "",
            "source": source,
            "found_at": clock.now(),
        },
    )
    return candidate


def _evidence(comparison: Comparison) -> dict[str, Any]:
    return {
        "score": comparison.total,
        "deterministic": comparison.deterministic,
        "fields": comparison.explanation(),
    }


# --- persons, merge and unmerge -------------------------------------------------------------


def person_of(patient_id: int) -> Person:
    try:
        return PersonLink.objects.select_related("person").get(patient_id=patient_id).person
    except PersonLink.DoesNotExist:
        raise NotFound(_("This record is not in the master patient index yet.")) from None


def records_of(person: Person) -> QuerySet[Patient]:
    return Patient.objects.filter(mpi_link__person=person).prefetch_related("documents")


def _persons_for_update(a: int, b: int) -> tuple[Person, Person]:
    """The current persons of two patients, locked in primary-key order; the older survives.

    A concurrent merge may absorb a person between reading the links and taking the locks: the
    lock then holds an absorbed person, so read the links again (they are committed by then)."""
    for _attempt in range(5):
        person_ids = dict(
            PersonLink.objects.filter(patient_id__in=(a, b)).values_list("patient_id", "person_id")
        )
        if len(person_ids) < len({a, b}):
            raise NotFound(_("This record is not in the master patient index yet."))
        ids = sorted(set(person_ids.values()))
        locked = {p.pk: p for p in Person.objects.select_for_update(no_key=True).filter(pk__in=ids)}
        if all(p.merged_into_id is None for p in locked.values()):
            return locked[ids[0]], locked[ids[-1]]
    raise DomainError(_("These records are being merged by someone else. Try again."), code="busy")


def require_reviewer(actor: Actor) -> None:
    if actor.kind != ActorKind.SYSTEM:
        actor.require_perm(REVIEW_PERMISSION)


def _reachable(actor: Actor) -> QuerySet[Patient] | None:
    """The records a reviewer's institution holds (None: the system reaches every record). The
    index spans the consortium, but a reviewer acts only on pairs and merges that touch a record
    of their own institution; the rest answers 404, like any object out of scope (D108)."""
    if actor.kind == ActorKind.SYSTEM:
        return None
    from onetrip.identity.services import accessible_patients  # identity imports the index

    return accessible_patients(actor)


def _candidates_in_scope(actor: Actor) -> QuerySet[MatchCandidate]:
    reachable = _reachable(actor)
    candidates = MatchCandidate.objects.all()
    if reachable is None:
        return candidates
    return candidates.filter(Q(left__in=reachable) | Q(right__in=reachable))


def _require_reachable(actor: Actor, patient_ids: Iterable[int]) -> None:
    """Every named record is one the actor may read (a merge by ids names both): else 404."""
    reachable = _reachable(actor)
    ids = set(patient_ids)
    if reachable is not None and reachable.filter(pk__in=ids).count() != len(ids):
        raise NotFound(_("No such patient."))


def view_person_of(patient_id: int, *, actor: Actor) -> Person:
    """The person a record belongs to, for a reviewer who may read the record (audited)."""
    require_reviewer(actor)
    _require_reachable(actor, [patient_id])
    person = person_of(patient_id)
    audit.record_staff_read(actor, person, patient_id=patient_id, summary="master patient index")
    return person


def _merge(
    survivor: Person, absorbed: Person, *, reason: str, evidence: dict, actor: Actor
) -> PersonMerge:
    now = clock.now()
    moved = list(PersonLink.objects.filter(person=absorbed).values_list("patient_id", flat=True))
    merge = PersonMerge.objects.create(
        survivor=survivor,
        absorbed=absorbed,
        reason=reason,
        evidence=evidence,
        merged_at=now,
        merged_by=actor.label[:150],
    )
    MergedLink.objects.bulk_create([MergedLink(merge=merge, patient_id=p) for p in moved])
    PersonLink.objects.filter(person=absorbed).update(person=survivor, linked_at=now)
    absorbed.merged_into = survivor
    absorbed.save(update_fields=["merged_into"])
    for patient_id in moved:
        audit.record(
            actor,
            AuditAction.UPDATE,
            merge,
            patient_id=patient_id,
            summary=f"record merged: person {absorbed.master_id} into {survivor.master_id}",
            changes={"reason": reason, "score": evidence.get("score")},
        )
    return merge


@transaction.atomic
def merge_patients(
    left_id: int, right_id: int, *, actor: Actor, reason: str = MergeReason.STAFF
) -> PersonMerge:
    """Staff say two records are one person: their persons become one. Refused when they
    already are."""
    require_reviewer(actor)
    if left_id == right_id:
        raise InvalidInput.field("right_id", _("Choose two different records."), "same_record")
    _require_reachable(actor, (left_id, right_id))
    survivor, absorbed = _persons_for_update(left_id, right_id)
    if survivor.pk == absorbed.pk:
        raise DomainError(
            _("These records are already merged into person %(master_id)s.")
            % {"master_id": survivor.master_id},
            code="already_merged",
        )
    evidence = {"by": "staff"}
    patients = Patient.objects.filter(pk__in=(left_id, right_id)).prefetch_related("documents")
    if len(patients) == 2:
        a, b = (patient_features(p) for p in patients)
        comparison = matching.compare(a, b, frequencies_for(_pair_keys(a, b)))
        evidence = _evidence(comparison)
    try:
        with transaction.atomic():
            return _merge(survivor, absorbed, reason=reason, evidence=evidence, actor=actor)
    except IntegrityError:
        raise _already_merged_elsewhere(absorbed) from None


@transaction.atomic
def merge_persons(survivor_master_id: str, absorbed_master_id: str, *, actor: Actor) -> PersonMerge:
    """Merge two golden records by master ID. A person already merged into another is refused:
    it has no records of its own left to move."""
    require_reviewer(actor)
    persons = {
        p.master_id: p
        for p in Person.objects.select_for_update(no_key=True)
        .filter(master_id__in=(survivor_master_id, absorbed_master_id))
        .order_by("pk")
    }
    if survivor_master_id == absorbed_master_id:
        raise InvalidInput.field("absorbed", _("Choose two different persons."), "same_person")
    for field, master_id in (("survivor", survivor_master_id), ("absorbed", absorbed_master_id)):
        if master_id not in persons:
            raise InvalidInput.field(field, _("No person has this master ID."), "unknown")
        if persons[master_id].merged_into_id is not None:
            raise _already_merged_elsewhere(persons[master_id])
    return _merge(
        persons[survivor_master_id],
        persons[absorbed_master_id],
        reason=MergeReason.STAFF,
        evidence={"by": "staff"},
        actor=actor,
    )


def _already_merged_elsewhere(person: Person) -> DomainError:
    person.refresh_from_db()
    target = person.merged_into.master_id if person.merged_into_id else "?"
    return DomainError(
        _("Person %(master_id)s was already merged into %(target)s.")
        % {"master_id": person.master_id, "target": target},
        code="merged_elsewhere",
    )


@transaction.atomic
def unmerge(merge_id: int, *, actor: Actor) -> PersonMerge:
    """Undo a merge: the records it moved go back to the absorbed person, under its own master
    ID. Later merges into the survivor's own new owner must be undone first."""
    require_reviewer(actor)
    merge = PersonMerge.objects.select_for_update(no_key=True).filter(pk=merge_id).first()
    reachable = _reachable(actor)
    if (
        merge is not None
        and reachable is not None
        and not reachable.filter(pk__in=merge.moved.values("patient_id")).exists()
    ):
        merge = None  # a merge that moved none of the reviewer's institution's records
    if merge is None:
        raise NotFound(_("No such merge."))
    if merge.unmerged_at is not None:
        raise DomainError(_("This merge was already undone."), code="already_unmerged")
    persons = {
        p.pk: p
        for p in Person.objects.select_for_update(no_key=True)
        .filter(pk__in=(merge.survivor_id, merge.absorbed_id))
        .order_by("pk")
    }
    survivor, absorbed = persons[merge.survivor_id], persons[merge.absorbed_id]
    if survivor.merged_into_id is not None:
        raise DomainError(
            _(
                "Person %(master_id)s was itself merged into %(target)s later: undo that merge "
                "first."
            )
            % {"master_id": survivor.master_id, "target": survivor.merged_into.master_id},
            code="later_merge",
        )
    now = clock.now()
    moved = list(merge.moved.values_list("patient_id", flat=True))
    PersonLink.objects.filter(patient_id__in=moved, person=survivor).update(
        person=absorbed, linked_at=now
    )
    absorbed.merged_into = None
    absorbed.save(update_fields=["merged_into"])
    merge.unmerged_at = now
    merge.unmerged_by = actor.label[:150]
    merge.save(update_fields=["unmerged_at", "unmerged_by"])
    _remember_different(moved, survivor, actor)
    for patient_id in moved:
        audit.record(
            actor,
            AuditAction.UPDATE,
            merge,
            patient_id=patient_id,
            summary=f"merge undone: {absorbed.master_id} split from {survivor.master_id}",
        )
    return merge


def _remember_different(moved: list[int], survivor: Person, actor: Actor) -> None:
    """Staff have said these records are different persons: no later run links them again."""
    now = clock.now()
    remaining = PersonLink.objects.filter(person=survivor).values_list("patient_id", flat=True)
    for a in moved:
        for b in remaining:
            left, right = sorted((a, b))
            MatchCandidate.objects.update_or_create(
                left_id=left,
                right_id=right,
                defaults={
                    "status": CandidateStatus.REJECTED,
                    "decided_at": now,
                    "decided_by": actor.label[:150],
                },
                create_defaults={
                    "score": 0.0,
                    "probability": 0.0,
                    "source": CandidateSource.STAFF,
                    "found_at": now,
                    "status": CandidateStatus.REJECTED,
                    "decided_at": now,
                    "decided_by": actor.label[:150],
                },
            )


def decided_pairs(patient_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """Pairs staff have already decided, which no automatic step may overrule."""
    decided = MatchCandidate.objects.exclude(status=CandidateStatus.PENDING)
    if patient_ids is not None:
        ids = list(patient_ids)
        decided = decided.filter(left_id__in=ids) | decided.filter(right_id__in=ids)
    return set(decided.values_list("left_id", "right_id"))


@transaction.atomic
def unmerge_patient(patient_id: int, *, actor: Actor) -> PersonMerge:
    """Undo the merge that brought this record into its current person. A record that was never
    merged is refused."""
    require_reviewer(actor)
    person = person_of(patient_id)
    merge = (
        PersonMerge.objects.filter(
            moved__patient_id=patient_id, survivor=person, unmerged_at__isnull=True
        )
        .order_by("-merged_at", "-id")
        .first()
    )
    if merge is None:
        raise DomainError(
            _("This record was never merged into another, so there is nothing to undo."),
            code="never_merged",
        )
    return unmerge(merge.pk, actor=actor)


# --- the review queue -----------------------------------------------------------------------


def review_queue(*, actor: Actor, limit: int = 50) -> list[MatchCandidate]:
    """The pending pairs touching the reviewer's institution. The list names both records, one
    of them often another institution's: each listed record is a staff read (R-ORG-3)."""
    require_reviewer(actor)
    found = list(
        _candidates_in_scope(actor)
        .filter(status=CandidateStatus.PENDING)
        .select_related("left", "right")
        .order_by("-score", "id")[:limit]
    )
    if actor.is_staff:
        with transaction.atomic():
            for candidate in found:
                _audit_pair_read(actor, candidate, summary="possible duplicate listed")
    return found


def _audit_pair_read(actor: Actor, candidate: MatchCandidate, *, summary: str) -> None:
    for patient_id in (candidate.left_id, candidate.right_id):
        audit.record(actor, AuditAction.VIEW, candidate, patient_id=patient_id, summary=summary)


@transaction.atomic
def view_candidate(candidate_id: int, *, actor: Actor) -> MatchCandidate:
    require_reviewer(actor)
    candidate = (
        _candidates_in_scope(actor)
        .select_related("left", "right")
        .prefetch_related("left__documents", "right__documents")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        raise NotFound(_("No such possible duplicate."))
    _audit_pair_read(actor, candidate, summary="possible duplicate reviewed")
    return candidate


@transaction.atomic
def decide_candidate(candidate_id: int, *, same_person: bool, actor: Actor) -> MatchCandidate:
    """Staff decide a queued pair: the same person (their persons are merged) or different
    persons (the pair is never queued again)."""
    require_reviewer(actor)
    candidate = (
        _candidates_in_scope(actor).select_for_update(no_key=True).filter(pk=candidate_id).first()
    )
    if candidate is None:
        raise NotFound(_("No such possible duplicate."))
    if candidate.status != CandidateStatus.PENDING:
        raise DomainError(_("This pair was already decided."), code="already_decided")
    if same_person:
        survivor, absorbed = _persons_for_update(candidate.left_id, candidate.right_id)
        if survivor.pk != absorbed.pk:
            _merge(
                survivor,
                absorbed,
                reason=MergeReason.REVIEW,
                evidence={"score": candidate.score, "fields": candidate.explanation},
                actor=actor,
            )
    candidate.status = CandidateStatus.ACCEPTED if same_person else CandidateStatus.REJECTED
    candidate.decided_at = clock.now()
    candidate.decided_by = actor.label[:150]
    candidate.save(update_fields=["status", "decided_at", "decided_by"])
    if not same_person:
        audit.record(
            actor,
            AuditAction.UPDATE,
            candidate,
            patient_id=candidate.left_id,
            summary=f"records {candidate.left_id} and {candidate.right_id}: different persons",
        )
    return candidate


def compare_patients(left_id: int, right_id: int) -> Comparison:
    patients = {
        p.pk: p
        for p in Patient.objects.filter(pk__in=(left_id, right_id)).prefetch_related("documents")
    }
    if len(patients) < 2:
        raise NotFound(_("No such patient."))
    a, b = patient_features(patients[left_id]), patient_features(patients[right_id])
    return matching.compare(a, b, frequencies_for(_pair_keys(a, b)))


def _pair_keys(a: Features, b: Features) -> set[str]:
    """The frequency keys a comparison of `a` with `b` reads: `a`'s, and the words of `b`'s
    foreign name (a clerk's slip is told by how many hold each spelling, D335)."""
    return matching.blocking_keys(a) | matching.word_keys(b)
