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
    """Every record's features, in id order, read with two streaming queries."""
    own: dict[int, list[tuple[str, str]]] = defaultdict(list)
    guardian: dict[int, list[tuple[str, str]]] = defaultdict(list)
    documents = IdentityDocument.objects.values_list(
        "patient_id", "doc_type", "number", "is_guardian_document"
    )
    for patient_id, doc_type, number, is_guardian in documents.iterator(chunk_size=20_000):
        (guardian if is_guardian else own)[patient_id].append((doc_type, number))
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
            kept_links.append((record_id, found))
            continue
        for comparison in found:
            if tuple(sorted((comparison.left, comparison.right))) in decided:
                continue
            if comparison.decision(policy) == Decision.LINK:
                links.append(comparison)
            else:
                reviews.append(comparison)
        run.last_patient_id = record_id
    run.linked += kept.link(kept_links, policy)
    run.linked += services.link_in_bulk(links, SYSTEM)
    run.queued += services.queue_in_bulk(reviews, source=CandidateSource.BATCH)
    run.save(update_fields=["last_patient_id", "compared", "linked", "queued"])


class KeptRecords:
    """Legacy rows kept in the index without a patient record (no usable birth date), matched in
    every run after the records: in memory they take ids above the last record's, which the
    checkpoint never reaches, and each is moved to the person of its best automatic link."""

    def __init__(self, last_record_id: int) -> None:
        self.offset = last_record_id
        self.sources: list[tuple[int, int]] = []  # (source record pk, person pk), by memory id

    def features(self) -> list[Features]:
        found = []
        rows = SourceRecord.objects.filter(status=SourceStatus.KEPT).order_by("pk")
        for source in rows.only("pk", "person_id", "row").iterator(chunk_size=5000):
            found.append(legacy.kept_features(source.row, self.offset + len(self.sources) + 1))
            self.sources.append((source.pk, source.person_id))
        return found

    def holds(self, memory_id: int) -> bool:
        return memory_id > self.offset

    def link(
        self, found_by_row: list[tuple[int, list[matching.Comparison]]], policy: Thresholds
    ) -> int:
        """Move each kept row of a chunk to the person of its best automatic link (one query
        for the records' persons, one UPDATE); returns the number of rows moved."""
        best: dict[int, int] = {}
        for memory_id, found in found_by_row:
            links = [c for c in found if c.decision(policy) == Decision.LINK]
            if links:
                best[memory_id] = max(links, key=lambda c: (c.deterministic, c.total)).left
        person_of_record = dict(
            PersonLink.objects.filter(
                patient_id__in=bulk.among(i for i in best.values() if not self.holds(i))
            ).values_list("patient_id", "person_id")
        )
        moves: dict[int, int] = {}
        for memory_id, other in best.items():  # in id order: a row may follow an earlier one
            person_id = self._person(other) if self.holds(other) else person_of_record[other]
            source_pk, current = self.sources[memory_id - self.offset - 1]
            if person_id != current:
                moves[source_pk] = person_id
                self.sources[memory_id - self.offset - 1] = (source_pk, person_id)
        bulk.set_by_key(SourceRecord, "id", "person_id", moves)
        return len(moves)

    def _person(self, memory_id: int) -> int:
        return self.sources[memory_id - self.offset - 1][1]
