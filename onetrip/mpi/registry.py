"""The batch side of the index over the stored registry: file unindexed records and run the
in-memory deduplication with its checkpoint (legacy rows kept without a record included)."""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from onetrip.core import bulk, clock
from onetrip.core.actors import SYSTEM
from onetrip.identity.models import IdentityDocument, Patient
from onetrip.mpi import batch, legacy, matching, runlock, services
from onetrip.mpi.matching import Decision, Features, Thresholds
from onetrip.mpi.models import (
    CandidateSource,
    DedupeRun,
    MatchCandidate,
    MergedLink,
    Person,
    PersonLink,
    PersonMerge,
    SourceRecord,
    SourceStatus,
)

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


# --- filing records the index has not seen --------------------------------------------------


def index_unindexed(*, chunk: int = 5000, progress: Progress | None = None) -> int:
    """Give every record registered before the index existed (or loaded in bulk) its blocking
    keys and its own person. Each chunk is one transaction."""
    ids = list(
        Patient.objects.filter(mpi_link__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), chunk):
        _index_chunk(ids[start : start + chunk])
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    return len(ids)


@transaction.atomic
def _index_chunk(ids: list[int]) -> None:
    patients = list(Patient.objects.filter(pk__in=ids).prefetch_related("documents"))
    legacy.file_records([(p.pk, services.patient_features(p)) for p in patients], clock.now())


def load_features() -> list[Features]:
    """Every record's features, in id order, read with three streaming queries."""
    own: dict[int, list[tuple[str, str]]] = defaultdict(list)
    guardian: dict[int, list[tuple[str, str]]] = defaultdict(list)
    documents = IdentityDocument.objects.values_list(
        "patient_id", "doc_type", "number", "is_guardian_document"
    )
    for patient_id, doc_type, number, is_guardian in documents.iterator(chunk_size=20_000):
        (guardian if is_guardian else own)[patient_id].append((doc_type, number))
    # A record's unvalidated numbers are those of the legacy rows it was registered from or
    # linked to (D354): one query, as for the documents.
    numbers: dict[int, list[str]] = defaultdict(list)
    sources = SourceRecord.objects.filter(
        patient__isnull=False, row__has_key=legacy.NUMBER_COLUMN
    ).values_list("patient_id", "row")
    for patient_id, row in sources.iterator(chunk_size=20_000):
        numbers[patient_id].append(legacy.member_number(row))
    rows = Patient.objects.order_by("pk").values_list(
        "pk", "name", "birth_date", "sex", "phone", "address"
    )
    return [
        matching.features(
            pk,
            name=name,
            birth_date=birth_date,
            sex=sex,
            phone=phone,
            address=address,
            documents=own.get(pk, ()),
            guardian_documents=guardian.get(pk, ()),
            numbers=numbers.get(pk, ()),
        )
        for pk, name, birth_date, sex, phone, address in rows.iterator(chunk_size=20_000)
    ]


# --- batch deduplication --------------------------------------------------------------------


def dedupe(
    *,
    chunk: int = 5000,
    restart: bool = False,
    estimate: bool = True,
    progress: Progress | None = None,
) -> DedupeRun:
    """Compare the whole registry; link above the automatic threshold, queue for review between
    the thresholds. Resumes an unfinished run from its checkpoint unless `restart`. `estimate`:
    score with m estimated from the registry itself (D263), as the run records in `weights`."""
    with runlock.one_batch_run_at_a_time():
        return _dedupe(chunk=chunk, restart=restart, estimate=estimate, progress=progress)


def _estimated(
    run: DedupeRun,
    records: list[Features],
    record_blocks: list[batch.RecordBlocks],
    freq: matching.Frequencies,
) -> matching.Estimate:
    """The run's estimate: made once, stored with the run (a resumed run scores as it began),
    logged. A registry too small to learn from keeps the set m (no change, stored as such)."""
    if run.weights:
        return matching.Estimate.from_json(run.weights)
    found = batch.estimate(records, record_blocks, freq)
    if found is None:
        found = matching.Estimate(
            m={key: matching.M_U[key[0]][key[1]][0] for key in matching.ESTIMATED}, sessions={}
        )
    run.weights = found.as_json()
    run.save(update_fields=["weights"])
    log.info("dedupe run %s: m estimated from the registry %s", run.pk, run.weights)
    return found


def _dedupe(*, chunk: int, restart: bool, estimate: bool, progress: Progress | None) -> DedupeRun:
    run = DedupeRun.objects.filter(finished_at__isnull=True).first()
    if run is None or restart:
        DedupeRun.objects.filter(finished_at__isnull=True).update(finished_at=clock.now())
        run = DedupeRun.objects.create(started_at=clock.now())
    index_unindexed(chunk=chunk)
    records = load_features()
    kept = KeptRecords(records[-1].id if records else 0)
    records += kept.features()
    if progress:  # the registry is read: the total shows while blocks and weights are made
        progress(0, len(records))
    freq, record_blocks = batch.prepare(records)
    delta = None
    if estimate:
        delta = {
            key: d for key, d in _estimated(run, records, record_blocks, freq).delta.items() if d
        }

    policy = services.thresholds()
    if delta:
        policy = dataclasses.replace(policy, link_at=policy.estimated_link_at)
    decided = services.decided_pairs()
    total = len(records)
    done = sum(1 for f in records if f.id <= run.last_patient_id)
    pending: list[tuple[int, list[matching.Comparison], int]] = []
    for f, found, compared in batch.matches(
        records, record_blocks, freq, policy, resume_after=run.last_patient_id, delta=delta
    ):
        pending.append((f.id, found, compared))
        if len(pending) >= chunk:
            done += len(pending)
            _apply(run, pending, decided, policy, kept)
            pending = []
            if progress:
                progress(done, total)
    _apply(run, pending, decided, policy, kept)
    run.finished_at = clock.now()
    run.save(update_fields=["finished_at"])
    if run.linked + run.queued >= legacy.ANALYZE_AFTER:
        # A first run over a legacy load rewrites most links (D261).
        bulk.analyze((Person, PersonLink, PersonMerge, MergedLink, MatchCandidate, SourceRecord))
    if progress:
        progress(total, total)
    return run


@transaction.atomic
def _apply(
    run: DedupeRun,
    pending: list,
    decided: set[tuple[int, int]],
    policy: matching.Thresholds,
    kept: KeptRecords,
) -> None:
    """One chunk's outcome and the checkpoint after it, in one transaction."""
    links, reviews, kept_links = [], [], []
    for record_id, found, compared in pending:
        run.compared += compared
        if kept.holds(record_id):
            kept_links.append((record_id, [c for c in map(kept.as_records, found) if c]))
            continue
        for comparison in found:
            if kept.aliases(record_id):
                # A linked row's own fields (D300): its links are its record's; its pairs in
                # the review band would show reviewers fields neither record holds.
                aliased = kept.as_records(comparison)
                if aliased is not None and aliased.decision(policy) == Decision.LINK:
                    links.append(aliased)
                continue
            if tuple(sorted((comparison.left, comparison.right))) in decided:
                continue
            if comparison.decision(policy) == Decision.LINK:
                links.append(comparison)
            else:
                reviews.append(comparison)
        if not kept.aliases(record_id):
            run.last_patient_id = record_id
    moved, bridges = kept.link(kept_links, policy)
    run.linked += moved
    links = [c for c in links + bridges if tuple(sorted((c.left, c.right))) not in decided]
    run.linked += services.link_in_bulk(links, SYSTEM, held=reviews)
    run.queued += services.queue_in_bulk(reviews, source=CandidateSource.BATCH)
    run.save(update_fields=["last_patient_id", "compared", "linked", "queued"])


class KeptRecords:
    """Legacy rows matched in every run after the records, by their own fields: in memory they
    take ids above the last record's, which the checkpoint never reaches.

    - Rows linked at load to the record holding their document (D300): the same person, but
      their own name, phone, address and date are evidence the record does not hold (a phone
      given at one hospital, the record registered at another). An automatic link of such a row
      is a link of its record.
    - Rows kept without a record (no name or no usable birth date): each joins the records and
      kept rows it links automatically, as the matcher clusters any record's links (D300,
      D347): the records so joined are linked, the kept rows moved to their person."""

    def __init__(self, last_record_id: int) -> None:
        self.offset = last_record_id
        self.patients: list[int] = []  # the record of each linked row, by memory id
        self.sources: list[tuple[int, int]] = []  # (source record pk, person pk) of kept rows
        # Kept rows and the records they link automatically, grouped over the run (D347).
        self.groups = batch.Clusters()
        self.grouped: set[int] = set()  # the kept rows in a group

    def features(self) -> list[Features]:
        found = []
        linked = SourceRecord.objects.filter(status=SourceStatus.LINKED, patient__isnull=False)
        for source in linked.order_by("pk").only("pk", "patient_id", "row").iterator(5000):
            found.append(legacy.kept_features(source.row, self.offset + len(found) + 1))
            self.patients.append(source.patient_id)
        rows = SourceRecord.objects.filter(status=SourceStatus.KEPT).order_by("pk")
        for source in rows.only("pk", "person_id", "row").iterator(chunk_size=5000):
            found.append(legacy.kept_features(source.row, self.offset + len(found) + 1))
            self.sources.append((source.pk, source.person_id))
        return found

    @property
    def _first_kept(self) -> int:
        return self.offset + len(self.patients) + 1

    def holds(self, memory_id: int) -> bool:
        """Whether `memory_id` is a row kept without a record."""
        return memory_id >= self._first_kept

    def aliases(self, memory_id: int) -> bool:
        """Whether `memory_id` is a row linked at load to a record."""
        return self.offset < memory_id < self._first_kept

    def _record(self, memory_id: int) -> int:
        return self.patients[memory_id - self.offset - 1] if self.aliases(memory_id) else memory_id

    def as_records(self, c: matching.Comparison) -> matching.Comparison | None:
        """The comparison with each linked row replaced by its record; None for a row and its
        own record."""
        left, right = self._record(c.left), self._record(c.right)
        if left == right:
            return None
        if (left, right) == (c.left, c.right):
            return c
        return dataclasses.replace(c, left=min(left, right), right=max(left, right))

    def link(
        self, found_by_row: list[tuple[int, list[matching.Comparison]]], policy: Thresholds
    ) -> tuple[int, list[matching.Comparison]]:
        """Join each kept row of a chunk with everything it links automatically, as the matcher
        clusters any record's links (D347): over the run, kept rows and the records they link
        are grouped (union–find; a group is named by its smallest id, a record when it holds
        one). Two groups of records a kept row joins are linked through it (the caller links
        these bridges); every grouped kept row is moved to the person of its group's record, or
        of its group's first kept row when it holds no record (one query for the records'
        persons, one UPDATE). Returns the number of rows moved and the bridges."""
        bridges: list[matching.Comparison] = []
        for memory_id, found in found_by_row:
            links = [c for c in found if c.decision(policy) == Decision.LINK]
            # The strongest first: the bridge between two records' groups is the best evidence.
            for c in sorted(links, key=lambda c: (not c.deterministic, -c.total)):
                other = c.left if c.right == memory_id else c.right
                a, b = self.groups.root(other), self.groups.root(memory_id)
                if a == b:
                    continue
                if not self.holds(a) and not self.holds(b):
                    bridges.append(dataclasses.replace(c, left=min(a, b), right=max(a, b)))
                self.groups.join(a, b)
                self.grouped.update(i for i in (other, memory_id) if self.holds(i))
        if not any(found for _m, found in found_by_row):
            return 0, bridges
        root_of = {memory_id: self.groups.root(memory_id) for memory_id in self.grouped}
        person_of_record = dict(
            PersonLink.objects.filter(
                patient_id__in=bulk.among(r for r in set(root_of.values()) if not self.holds(r))
            ).values_list("patient_id", "person_id")
        )
        moves: dict[int, int] = {}
        for memory_id, root in sorted(root_of.items()):
            person_id = self._person(root) if self.holds(root) else person_of_record[root]
            source_pk, current = self.sources[memory_id - self._first_kept]
            if person_id != current:
                moves[source_pk] = person_id
                self.sources[memory_id - self._first_kept] = (source_pk, person_id)
        bulk.set_by_key(SourceRecord, "id", "person_id", moves)
        return len(moves), bridges

    def _person(self, memory_id: int) -> int:
        return self.sources[memory_id - self._first_kept][1]
