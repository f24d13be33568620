"""The batch side of the index over the stored registry: file unindexed records, run the
in-memory deduplication with its checkpoint, import a registry from CSV, export the links."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from django.db import connection, transaction
from django.utils.translation import gettext as _

from onetrip.core import clock
from onetrip.core.actors import SYSTEM, Actor
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.identity import services as identity
from onetrip.identity.models import IdentityDocument, Patient
from onetrip.mpi import batch, matching, services
from onetrip.mpi.matching import Decision, Features
from onetrip.mpi.models import BlockingKey, CandidateSource, DedupeRun, Person, PersonLink

Progress = Callable[[int, int], None]


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
    now = clock.now()
    patients = list(Patient.objects.filter(pk__in=ids).prefetch_related("documents"))
    BlockingKey.objects.bulk_create(
        [
            BlockingKey(key=key, patient=p)
            for p in patients
            for key in matching.blocking_keys(services.patient_features(p))
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    persons = Person.objects.bulk_create(
        [Person(master_id=services.new_master_id(), created_at=now) for _p in patients]
    )
    PersonLink.objects.bulk_create(
        [
            PersonLink(patient=p, person=person, linked_at=now)
            for p, person in zip(patients, persons, strict=True)
        ],
        batch_size=5000,
    )


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


# --- one batch run at a time ----------------------------------------------------------------

# PostgreSQL advisory lock key of the index's batch runs (dedupe and legacy loads): "MPI".
BATCH_RUN_LOCK = 0x4D5049


class BatchRunInProgress(DomainError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Another deduplication or legacy load is running on the master patient index; "
                "run this again when it has finished."
            ),
            code="batch_run_in_progress",
        )


@contextmanager
def one_batch_run_at_a_time() -> Iterator[None]:
    """Two runs linking the same persons in different orders deadlock on mpi_person; the second
    one is refused at once instead (a session-level advisory lock: a run spans many
    transactions). SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [BATCH_RUN_LOCK])
        if not cursor.fetchone()[0]:
            raise BatchRunInProgress()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BATCH_RUN_LOCK])


# --- batch deduplication --------------------------------------------------------------------


def dedupe(
    *, chunk: int = 5000, restart: bool = False, progress: Progress | None = None
) -> DedupeRun:
    """Compare the whole registry; link above the automatic threshold, queue for review between
    the thresholds. Resumes an unfinished run from its checkpoint unless `restart`."""
    with one_batch_run_at_a_time():
        return _dedupe(chunk=chunk, restart=restart, progress=progress)


def _dedupe(*, chunk: int, restart: bool, progress: Progress | None) -> DedupeRun:
    run = DedupeRun.objects.filter(finished_at__isnull=True).first()
    if run is None or restart:
        DedupeRun.objects.filter(finished_at__isnull=True).update(finished_at=clock.now())
        run = DedupeRun.objects.create(started_at=clock.now())
    index_unindexed(chunk=chunk)
    records = load_features()
    freq, record_blocks = batch.prepare(records)
    policy = services.thresholds()
    decided = services.decided_pairs()
    total = len(records)
    done = sum(1 for f in records if f.id <= run.last_patient_id)
    pending: list[tuple[int, list[matching.Comparison], int]] = []
    for f, found, compared in batch.matches(
        records, record_blocks, freq, policy, resume_after=run.last_patient_id
    ):
        pending.append((f.id, found, compared))
        if len(pending) >= chunk:
            done += len(pending)
            _apply(run, pending, decided, policy)
            pending = []
            if progress:
                progress(done, total)
    _apply(run, pending, decided, policy)
    run.finished_at = clock.now()
    run.save(update_fields=["finished_at"])
    if progress:
        progress(total, total)
    return run


@transaction.atomic
def _apply(run: DedupeRun, pending: list, decided: set[tuple[int, int]], policy) -> None:
    """One chunk's outcome and the checkpoint after it, in one transaction."""
    for _record_id, found, compared in pending:
        run.compared += compared
        for comparison in found:
            if tuple(sorted((comparison.left, comparison.right))) in decided:
                continue
            if comparison.decision(policy) == Decision.LINK:
                if services.link_automatically(
                    comparison.left, comparison.right, comparison, SYSTEM
                ):
                    run.linked += 1
            elif not services.same_person(comparison.left, comparison.right):
                services.queue_candidate(comparison, source=CandidateSource.BATCH)
                run.queued += 1
    if pending:
        run.last_patient_id = pending[-1][0]
    run.save(update_fields=["last_patient_id", "compared", "linked", "queued"])


# --- CSV import and export ------------------------------------------------------------------

IMPORT_COLUMNS = ("name", "sex", "birth_date", "phone", "doc_type", "doc_number")
OPTIONAL_COLUMNS = (
    "address",
    "issuing_country",
    "guardian_doc_type",
    "guardian_number",
    "guardian_relationship",
)


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[str] = field(default_factory=list)


def import_csv(source: IO[str], *, actor: Actor) -> ImportReport:
    """Register each row through identity's registration (so it is validated exactly as at the
    window, and indexed). A row is registered whole or not at all; a bad row is reported by its
    line with the reason and skipped."""
    reader = csv.DictReader(source)
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput.field(
            "header",
            _("The CSV header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)},
        )
    report = ImportReport()
    for row in reader:
        line = reader.line_num
        try:
            identity.register_patient(_registration(row), actor=actor)
        except InvalidInput as exc:
            reasons = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            report.skipped.append(
                _("line %(line)s: %(reasons)s") % {"line": line, "reasons": reasons}
            )
        except DomainError as exc:
            report.skipped.append(
                _("line %(line)s: %(reasons)s") % {"line": line, "reasons": exc.message}
            )
        else:
            report.imported += 1
    return report


def _registration(row: dict) -> identity.PatientRegistration:
    if None in row or any(row.get(c) is None for c in IMPORT_COLUMNS):
        raise InvalidInput.field("row", _("The row has a different number of columns."), "columns")
    raw_date = row["birth_date"].strip()
    try:
        birth_date = dt.date.fromisoformat(raw_date)
    except ValueError:
        raise InvalidInput.field(
            "birth_date", _("Not a date: write it as YYYY-MM-DD."), "invalid"
        ) from None
    documents = []
    if row["doc_number"].strip():
        documents.append(
            identity.DocumentInput(
                row["doc_type"].strip(),
                row["doc_number"],
                (row.get("issuing_country") or "").strip(),
            )
        )
    guardian = None
    if (row.get("guardian_number") or "").strip():
        guardian = identity.GuardianInput(
            (row.get("guardian_doc_type") or "").strip(),
            row["guardian_number"],
            (row.get("guardian_relationship") or "").strip(),
        )
    return identity.PatientRegistration(
        name=row["name"],
        sex=row["sex"].strip(),
        birth_date=birth_date,
        phone=row["phone"],
        address=row.get("address") or "",
        documents=documents,
        guardian=guardian,
    )


def export_links(target: IO[str]) -> int:
    """Every record with its person's master ID: one row per record."""
    writer = csv.writer(target)
    writer.writerow(["patient_id", "master_id", "linked_at"])
    rows = PersonLink.objects.order_by("patient_id").values_list(
        "patient_id", "person__master_id", "linked_at"
    )
    count = 0
    for patient_id, master_id, linked_at in rows.iterator(chunk_size=20_000):
        writer.writerow([patient_id, master_id, linked_at.isoformat()])
        count += 1
    return count
