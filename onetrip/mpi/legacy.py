"""Legacy loads into the master patient index (issue 17): rows from an institution's old system
are linked, not refused.

A row is kept as it came and flagged where it disagrees with itself; matching decides the rest.
Only a row that cannot be read (a broken line, a source key too long) is refused, and it stays
in the cross-reference with its reason. A row whose identity document is already on file is
another source record of that record's person (IHE PIX), and adds no record. A row without a
name or a usable birth date cannot be a patient record: it is kept in the index under a person
of its own until `registry.dedupe` links it by its other fields (D345). Everything else becomes
a patient record, loaded in bulk with its blocking keys and person.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.core import audit, bulk, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.identity.documents import ValidDocument, normalise_mobile, validate_document
from onetrip.identity.models import IdentityDocument, Relationship, Sex
from onetrip.mpi import matching, runlock, services
from onetrip.mpi.matching import Features
from onetrip.mpi.models import BlockingKey, Person, PersonLink, SourceRecord, SourceStatus

Progress = Callable[[int, int], None]

REQUIRED_COLUMNS = ("name", "birth_date")
# A legacy file without these columns names its rows by line number in a system called after it.
SOURCE_COLUMNS = ("source_system", "source_record_id")
# An old system's member, social security or insurance number, typed without a check digit:
# evidence, not a rule (D312, D354). Optional; kept in the row as it came.
NUMBER_COLUMN = "member_number"
BATCH = 10_000
NAME_MAX_LENGTH = 60
SYSTEM_MAX_LENGTH = 40  # SourceRecord's columns
RECORD_ID_MAX_LENGTH = 64


class Flag(StrEnum):
    """What a kept row disagrees on; shown in the export (as codes) and to reviewers."""

    NAME_MISSING = "name_missing"
    BIRTH_DATE_MISSING = "birth_date_missing"
    BIRTH_DATE_UNREADABLE = "birth_date_unreadable"
    BIRTH_DATE_DISAGREES_WITH_ID = "birth_date_disagrees_with_id"
    SEX_DISAGREES_WITH_ID = "sex_disagrees_with_id"
    SEX_UNKNOWN = "sex_unknown"
    DOCUMENT_INVALID = "document_invalid"
    GUARDIAN_DOCUMENT_INVALID = "guardian_document_invalid"
    GUARDIAN_MINOR = "guardian_minor"
    NO_DOCUMENT = "no_document"
    PHONE_UNREADABLE = "phone_unreadable"
    NAME_TOO_LONG = "name_too_long"
    DOCUMENT_OF_A_GUARDIAN = "document_of_a_guardian"


FLAG_LABELS = {
    Flag.NAME_MISSING: gettext_lazy("no name"),
    Flag.BIRTH_DATE_MISSING: gettext_lazy("no date of birth"),
    Flag.BIRTH_DATE_UNREADABLE: gettext_lazy("date of birth unreadable or impossible"),
    Flag.BIRTH_DATE_DISAGREES_WITH_ID: gettext_lazy("date of birth differs from the ID number's"),
    Flag.SEX_DISAGREES_WITH_ID: gettext_lazy("sex differs from the ID number's"),
    Flag.SEX_UNKNOWN: gettext_lazy("sex not recorded"),
    Flag.DOCUMENT_INVALID: gettext_lazy("identity document number invalid"),
    Flag.GUARDIAN_DOCUMENT_INVALID: gettext_lazy("guardian's document number invalid"),
    Flag.GUARDIAN_MINOR: gettext_lazy("the guardian is a minor"),
    Flag.NO_DOCUMENT: gettext_lazy("no identity document"),
    Flag.PHONE_UNREADABLE: gettext_lazy("mobile number unreadable"),
    Flag.NAME_TOO_LONG: gettext_lazy("name too long, shortened"),
    Flag.DOCUMENT_OF_A_GUARDIAN: gettext_lazy(
        "a child under an adult's ID number: filed as the guardian's document"
    ),
}


def present_flags(flags: str) -> list[str]:
    return [
        str(FLAG_LABELS.get(Flag(code), code)) for code in flags.split(",") if code in FLAG_LABELS
    ]


@dataclass
class LegacyRow:
    line: int
    source_system: str
    source_record_id: str
    raw: dict[str, str]
    name: str = ""
    sex: str = Sex.UNKNOWN
    birth_date: dt.date | None = None
    phone: str = ""
    address: str = ""
    documents: list[ValidDocument] = field(default_factory=list)
    guardian_document: ValidDocument | None = None
    guardian_relationship: str = ""
    member_number: str = ""
    # An impossible or implausible birth date as typed, as YYYYMMDD digits (19813005, month 30):
    # no record's date, but the comparison's evidence (one digit off, day and month swapped).
    typed_birth: str = ""
    flags: list[Flag] = field(default_factory=list)
    refusal: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_system, self.source_record_id)

    def document_keys(self) -> set[tuple[str, str]]:
        return {(matching.document_namespace(d.doc_type), d.number) for d in self.documents}


@dataclass
class LoadReport:
    registered: int = 0
    linked: int = 0
    kept: int = 0
    refused: int = 0
    already_loaded: int = 0
    problems: list[str] = field(default_factory=list)  # refused and skipped rows, by line

    @property
    def rows(self) -> int:
        return self.registered + self.linked + self.kept + self.refused + self.already_loaded


# --- reading a row --------------------------------------------------------------------------


def read_row(line: int, raw: dict, default_system: str, today: dt.date) -> LegacyRow:
    """Parse one CSV row, flagging instead of refusing wherever a record is still possible."""
    broken = None in raw or any(value is None for value in raw.values())
    # PostgreSQL's text and jsonb hold no NUL: a stray one from an old system's export is noise.
    raw = {
        key.replace("\0", ""): value.replace("\0", "")
        for key, value in raw.items()
        if key is not None and value is not None
    }
    # A broken line keeps its own source record id when it has one: the export must name it.
    system = (raw.get("source_system") or "").strip() or default_system
    record_id = (raw.get("source_record_id") or "").strip() or str(line)
    row = LegacyRow(
        line,
        # The key as stored, so that a re-run finds it and two long ids cannot collide unseen.
        system[:SYSTEM_MAX_LENGTH],
        record_id[:RECORD_ID_MAX_LENGTH],
        {k: v for k, v in raw.items() if v},
    )
    if broken:
        row.refusal = _("The row has a different number of columns.")
        return row
    if len(system) > SYSTEM_MAX_LENGTH or len(record_id) > RECORD_ID_MAX_LENGTH:
        row.refusal = _(
            "The source system or source record id is too long (at most %(system)s and "
            "%(id)s characters)."
        ) % {"system": SYSTEM_MAX_LENGTH, "id": RECORD_ID_MAX_LENGTH}
        return row
    # Zero-width and other format characters are invisible to the clerk and split the name.
    name = "".join(ch for ch in raw.get("name") or "" if unicodedata.category(ch) != "Cf")
    row.name = " ".join(name.split())
    if not row.name:  # kept and matched by its other fields (D345)
        row.flags.append(Flag.NAME_MISSING)
    if len(row.name) > NAME_MAX_LENGTH:
        row.name = row.name[:NAME_MAX_LENGTH]
        row.flags.append(Flag.NAME_TOO_LONG)
    row.sex = SEX_WORDS.get(
        unicodedata.normalize("NFKC", raw.get("sex") or "").strip().lower(), Sex.UNKNOWN
    )
    if row.sex == Sex.UNKNOWN:
        row.flags.append(Flag.SEX_UNKNOWN)
    row.birth_date = _birth_date(row, raw.get("birth_date") or "", today)
    row.phone = _phone(row, raw.get("phone") or "")
    row.address = " ".join((raw.get("address") or "").split())[:200]
    row.member_number = member_number(raw)
    _documents(row, raw, today)
    return row


def member_number(row: dict[str, str]) -> str:
    """The row's unvalidated number, spaces dropped (`1234 5678` as typed in two groups)."""
    return "".join((row.get(NUMBER_COLUMN) or "").split())


# How old systems write the sex: words, letters, or the national standard's codes (GB/T 2261.1).
SEX_WORDS = {
    **dict.fromkeys(("male", "m", "男", "1"), Sex.MALE),
    **dict.fromkeys(("female", "f", "女", "2"), Sex.FEMALE),
}
# Dates as old systems and spreadsheets write them: 1985-06-01, 1985/6/1, 1985.06.01,
# 1985年6月1日, 19850601, and a datetime column's midnight after any of them.
_DATE = re.compile(
    r"([0-9]{4})(?:[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{2})([0-9]{2}))"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)


def _birth_date(row: LegacyRow, text: str, today: dt.date) -> dt.date | None:
    text = unicodedata.normalize("NFKC", text).strip()  # full-width digits from Chinese IMEs
    if not text:
        row.flags.append(Flag.BIRTH_DATE_MISSING)
        return None
    match = _DATE.fullmatch(text)
    value: dt.date | None = None
    if match:
        year, month, day = (int(part) for part in match.groups() if part)
        with contextlib.suppress(ValueError):  # a date that does not exist, like 2023-02-30
            value = dt.date(year, month, day)
    if value is None or value > today or value.year < 1900:
        row.flags.append(Flag.BIRTH_DATE_UNREADABLE)
        if match:  # the digits still agree, or not, with another record's date (D346)
            row.typed_birth = f"{year:04d}{month:02d}{day:02d}"
        return None
    return value


def _phone(row: LegacyRow, text: str) -> str:
    if not text.strip():
        return ""
    try:
        return normalise_mobile(text)
    except InvalidInput:
        row.flags.append(Flag.PHONE_UNREADABLE)
        return ""


def _documents(row: LegacyRow, raw: dict, today: dt.date) -> None:
    number = (raw.get("doc_number") or "").strip()
    if number:
        document = _valid(raw.get("doc_type"), number, raw.get("issuing_country"), today)
        if document is None:
            row.flags.append(Flag.DOCUMENT_INVALID)
        else:
            row.documents.append(document)
            _flag_disagreements(row, document, today)
    guardian_number = (raw.get("guardian_number") or "").strip()
    if guardian_number:
        guardian = _valid(raw.get("guardian_doc_type"), guardian_number, "", today)
        if guardian is None:
            row.flags.append(Flag.GUARDIAN_DOCUMENT_INVALID)
        else:
            row.guardian_document = guardian
            relationship = (raw.get("guardian_relationship") or "").strip()
            known = relationship in (Relationship.PARENT, Relationship.GUARDIAN)
            row.guardian_relationship = relationship if known else Relationship.GUARDIAN
            if guardian.birth_date and _age_on(guardian.birth_date, today) < identity.ADULT_AGE:
                row.flags.append(Flag.GUARDIAN_MINOR)
    if not row.documents and row.guardian_document is None:
        row.flags.append(Flag.NO_DOCUMENT)


def _valid(
    doc_type: str | None, number: str, country: str | None, today: dt.date
) -> ValidDocument | None:
    try:
        return validate_document(
            (doc_type or "").strip(),
            number,
            issuing_country=(country or "").strip() or None,
            today=today,
        )
    except InvalidInput:
        return None


def _flag_disagreements(row: LegacyRow, document: ValidDocument, today: dt.date) -> None:
    if row.birth_date and document.birth_date and row.birth_date != document.birth_date:
        if _a_parents(document.birth_date, row.birth_date, today):
            # A child filed under a parent's ID number as its own (clerks do): the number is
            # the guardian's, never a link of the child to the parent's record.
            row.documents.remove(document)
            row.guardian_document = row.guardian_document or document
            row.guardian_relationship = row.guardian_relationship or Relationship.GUARDIAN
            row.flags.append(Flag.DOCUMENT_OF_A_GUARDIAN)
            return
        row.flags.append(Flag.BIRTH_DATE_DISAGREES_WITH_ID)
    if row.sex != Sex.UNKNOWN and document.sex and row.sex != document.sex:
        row.flags.append(Flag.SEX_DISAGREES_WITH_ID)


# A parent is at least this much older than the child (a one-digit typo in a birth year moves
# it by one year, or ten within one century: never from an adult's to a child's date).
PARENT_GAP_YEARS = 14


def _a_parents(id_birth: dt.date, typed_birth: dt.date, today: dt.date) -> bool:
    """Whether an ID number's holder is an adult and the row, by its typed birth date, a child
    born at least PARENT_GAP_YEARS after them."""
    return (
        _age_on(typed_birth, today) < identity.ADULT_AGE
        and _age_on(id_birth, today) >= identity.ADULT_AGE
        and _age_on(id_birth, typed_birth) >= PARENT_GAP_YEARS
    )


def _age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- loading --------------------------------------------------------------------------------


def load_csv(
    source: IO[str],
    *,
    actor: Actor,
    default_system: str,
    progress: Progress | None = None,
    total: int = 0,
) -> LoadReport:
    """Load a legacy registry file, in batches of BATCH rows (one transaction each), while no
    other batch run touches the index."""
    reader = csv.DictReader(source)
    # Headers typed in a spreadsheet: "Name", "birth_date " are the columns meant.
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput.field(
            "header",
            _("The CSV header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)},
        )
    if len(default_system) > SYSTEM_MAX_LENGTH:
        raise InvalidInput.field(
            "source_system",
            _("Name the source system in at most %(count)s characters.")
            % {"count": SYSTEM_MAX_LENGTH},
        )
    actor.require_perm("identity.add_patient")
    institution_id = actor.institution_id
    if institution_id is None:
        raise PermissionDenied(_("Only staff of an institution load legacy records."))
    report = LoadReport()
    today = clock.today()
    seen: set[tuple[str, str]] = set()
    with runlock.one_batch_run_at_a_time(), _checks_after(total):
        for rows in _batches(reader, default_system, today):
            fresh, retried = _first_of_each_key(rows, seen, report, institution_id)
            _load_batch(
                fresh,
                retried=retried,
                actor=actor,
                institution_id=institution_id,
                report=report,
            )
            if progress:
                progress(report.rows, max(total, report.rows))
        if progress:  # done: blank lines and quoted line breaks made `total` a guess
            progress(report.rows, report.rows)
    if report.rows - report.already_loaded >= ANALYZE_AFTER:
        identity.analyze_after_legacy_load()
        bulk.analyze((BlockingKey, Person, PersonLink, SourceRecord))
    return report


# A load of at least this many rows refreshes its tables' planner statistics when it ends
# (D261): the dedupe and the searches that follow are planned for the registry as loaded.
ANALYZE_AFTER = 10_000


# A load of at least this many rows, and at least as many as the registry holds, builds its
# tables' indexes and checks their foreign keys once at the end (D250).
BIG_LOAD = 100_000


@contextmanager
def _checks_after(total: int) -> Iterator[None]:
    """Around a big load (a consortium's first): index and check the tables it writes once,
    at the end. Kept meanwhile: the indexes this loader's own lookups use (source record ids,
    master IDs; identity keeps its document numbers). Everything this loader inserts is new
    (new ids from the sequences, one row per key), so the dropped unique constraints hold."""
    if total < BIG_LOAD or total < identity.registry_size():
        yield
        return
    with (
        identity.checks_after_legacy_load(),
        bulk.checks_after_load(
            (BlockingKey, Person, PersonLink, SourceRecord),
            keep=(
                (SourceRecord, ("source_system", "source_record_id")),
                (Person, ("master_id",)),
            ),
        ),
    ):
        yield


def _batches(
    reader: csv.DictReader, default_system: str, today: dt.date
) -> Iterator[list[LegacyRow]]:
    batch: list[LegacyRow] = []
    for raw in reader:
        batch.append(read_row(reader.line_num, raw, default_system, today))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _first_of_each_key(
    rows: list[LegacyRow], seen: set[tuple[str, str]], report: LoadReport, institution_id: int
) -> tuple[list[LegacyRow], list[tuple[str, str]]]:
    """A source record id given twice in one file is one record: its later rows are reported
    and skipped (the cross-reference can hold the id once). A row refused by an earlier load is
    loaded again (the file may have been corrected since): its key comes back as a retry. A key
    another institution loaded stops the load: two hospitals' systems both called "HIS" would
    otherwise have this one's rows skipped as "already loaded", absent from its export."""
    on_file = _already_loaded({row.key for row in rows})
    foreign = sorted(
        key for key, (_status, loaded_by) in on_file.items() if loaded_by != institution_id
    )
    if foreign:
        raise InvalidInput.field(
            "source_system",
            _(
                "Another institution loaded records of source system %(system)s (for example "
                "%(id)s): give this institution's system a name of its own (--source-system "
                "or the source_system column)."
            )
            % {"system": foreign[0][0], "id": foreign[0][1]},
        )
    kept = []
    for row in rows:
        status = on_file.get(row.key, (SourceStatus.REFUSED, institution_id))[0]
        if row.key in seen or status != SourceStatus.REFUSED:
            report.already_loaded += 1
            report.problems.append(
                _("line %(line)s: source record %(system)s|%(id)s is already loaded")
                % {"line": row.line, "system": row.source_system, "id": row.source_record_id}
            )
            continue
        seen.add(row.key)
        kept.append(row)
    return kept, [row.key for row in kept if row.key in on_file]


def _already_loaded(keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]:
    """The keys on file, each with its status and the institution that loaded it."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for system, ids in _by_system(keys).items():
        found.update(
            ((system, record_id), (status, loaded_by))
            for record_id, status, loaded_by in SourceRecord.objects.filter(
                source_system=system, source_record_id__in=bulk.among(ids, "text")
            ).values_list("source_record_id", "status", "institution_id")
        )
    return found


def _forget_refused(keys: list[tuple[str, str]]) -> None:
    for system, ids in _by_system(keys).items():
        SourceRecord.objects.filter(
            source_system=system, source_record_id__in=ids, status=SourceStatus.REFUSED
        ).delete()


def _by_system(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for system, record_id in keys:
        ids.setdefault(system, []).append(record_id)
    return ids


@transaction.atomic
def _load_batch(
    rows: list[LegacyRow],
    *,
    retried: list[tuple[str, str]],
    actor: Actor,
    institution_id: int,
    report: LoadReport,
) -> None:
    _forget_refused(retried)
    holder = _patients_holding(row.document_keys() for row in rows)
    to_register: list[LegacyRow] = []
    registering: dict[tuple[str, str], LegacyRow] = {}  # documents of this batch's new records
    to_keep: list[LegacyRow] = []
    patient_of: dict[int, int] = {}  # id(row) → the record it is (or is linked to)
    linked_to_new: list[tuple[LegacyRow, LegacyRow]] = []
    for row in rows:
        keys = row.document_keys()
        on_file = next((holder[k] for k in keys if k in holder), None)
        first = next((registering[k] for k in keys if k in registering), None)
        if row.refusal:
            report.refused += 1
            report.problems.append(
                _("line %(line)s: %(reasons)s") % {"line": row.line, "reasons": row.refusal}
            )
        elif on_file is not None:
            report.linked += 1
            patient_of[id(row)] = on_file
        elif first is not None:
            report.linked += 1
            linked_to_new.append((row, first))
        elif row.birth_date is None or not row.name:
            report.kept += 1
            to_keep.append(row)
        else:
            report.registered += 1
            to_register.append(row)
            registering.update(dict.fromkeys(keys, row))
    now = clock.now()
    patient_ids = identity.load_legacy_patients([_legacy(row) for row in to_register], actor=actor)
    new_records = list(zip(to_register, patient_ids, strict=True))
    patient_of.update((id(row), pk) for row, pk in new_records)
    patient_of.update((id(row), patient_of[id(first)]) for row, first in linked_to_new)
    file_records([(pk, row_features(row, pk)) for row, pk in new_records], now)
    person_of = dict(zip(map(id, to_keep), new_persons(len(to_keep), now), strict=True))
    registered = {id(row) for row in to_register}
    bulk.insert_rows(  # the cross-reference in the file's order
        SourceRecord,
        SOURCE_FIELDS,
        (_source(row, now, institution_id, registered, patient_of, person_of) for row in rows),
    )


SOURCE_FIELDS = (
    "institution_id",
    "source_system",
    "source_record_id",
    "status",
    "patient_id",
    "person_id",
    "flags",
    "reason",
    "line",
    "row",
    "loaded_at",
)


def _source(
    row: LegacyRow,
    now: dt.datetime,
    institution_id: int,
    registered: set[int],
    patient_of: dict[int, int],
    person_of: dict[int, int],
) -> tuple:
    status = (
        SourceStatus.REFUSED
        if row.refusal
        else SourceStatus.REGISTERED
        if id(row) in registered
        else SourceStatus.LINKED
        if id(row) in patient_of
        else SourceStatus.KEPT
    )
    return (
        institution_id,
        row.source_system,
        row.source_record_id,
        status,
        patient_of.get(id(row)),
        person_of.get(id(row)),
        ",".join(row.flags)[:300],
        row.refusal[:300],
        row.line,
        row.raw,
        now,
    )


def _patients_holding(document_keys: Iterable[set[tuple[str, str]]]) -> dict[tuple[str, str], int]:
    """(namespace, number) → the patient holding that identifying document, for a batch."""
    wanted = {key for keys in document_keys for key in keys}
    if not wanted:
        return {}
    documents = IdentityDocument.objects.filter(
        is_guardian_document=False,
        number__in=bulk.among({number for _ns, number in wanted}, "text"),
    ).values_list("doc_type", "number", "patient_id")
    holder: dict[tuple[str, str], int] = {}
    for doc_type, number, patient_id in documents:
        key = (matching.document_namespace(doc_type), number)
        if key in wanted:
            holder.setdefault(key, patient_id)
    return holder


def _legacy(row: LegacyRow) -> identity.LegacyPatient:
    assert row.birth_date is not None  # rows without one, or without a name, are kept
    assert row.name
    return identity.LegacyPatient(
        name=row.name,
        sex=row.sex,
        birth_date=row.birth_date,
        phone=row.phone,
        address=row.address,
        documents=tuple(row.documents),
        guardian_document=row.guardian_document,
        guardian_relationship=row.guardian_relationship if row.guardian_document else "",
    )


def row_features(row: LegacyRow, id: int) -> Features:
    return matching.features(
        id,
        name=row.name,
        birth_date=row.birth_date or row.typed_birth,
        sex=row.sex,
        phone=row.phone,
        address=row.address,
        documents=[(d.doc_type, d.number) for d in row.documents],
        guardian_documents=[(g.doc_type, g.number) for g in [row.guardian_document] if g],
        numbers=[row.member_number],
    )


def file_records(records: list[tuple[int, Features]], now: dt.datetime) -> None:
    """New records' blocking keys and a person of their own each, in bulk, in the caller's
    transaction; `registry.dedupe` links them afterwards."""
    bulk.insert_rows(
        BlockingKey,
        ("key", "patient_id"),
        ((key, pk) for pk, f in records for key in set(matching.blocking_keys(f))),
    )
    persons = new_persons(len(records), now)
    bulk.insert_rows(
        PersonLink,
        ("patient_id", "person_id", "linked_at"),
        ((pk, person, now) for (pk, _f), person in zip(records, persons, strict=True)),
    )


def new_persons(count: int, now: dt.datetime) -> list[int]:
    """`count` new persons, each with a fresh master ID; their ids."""
    ids = bulk.reserve_ids(Person, count)
    bulk.insert_rows(
        Person,
        ("id", "master_id", "created_at"),
        ((pk, master_id, now) for pk, master_id in zip(ids, _fresh_master_ids(count), strict=True)),
    )
    return ids


def _fresh_master_ids(count: int) -> list[str]:
    """Master IDs none of which is taken: at a million persons two random ones collide about
    every other load, and one collision would abort a COPY."""
    fresh: set[str] = set()
    while len(fresh) < count:
        drawn = {services.new_master_id() for _i in range(count - len(fresh))} - fresh
        taken = set(
            Person.objects.filter(master_id__in=bulk.among(drawn, "text")).values_list(
                "master_id", flat=True
            )
        )
        fresh |= drawn - taken
    return list(fresh)


def kept_features(raw: dict[str, str], id: int) -> Features:
    """Features of a row kept without a record, read again from the row as it came."""
    return row_features(read_row(0, raw, "", clock.today()), id)


# --- the cross-reference out ----------------------------------------------------------------

EXPORT_COLUMNS = (
    "source_system",
    "source_record_id",
    "line",
    "status",
    "master_id",
    "patient_id",
    "flags",
    "reason",
)
# Records registered in OneTrip itself are listed as records of this source system.
ONETRIP_SYSTEM = "onetrip"


def export_cross_reference(target: IO[str]) -> int:
    """Every loaded row (refused ones with their reason, no master ID) and every record
    registered in OneTrip itself, each with the master ID of its person today."""
    with _one_snapshot():
        return _export(target)


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """The export reads links, merges and rows in several queries: a load or dedupe committing
    between them would leave rows of one moment without the master IDs of the next. On
    PostgreSQL all are read in one snapshot instead (unless a caller's transaction already
    decides); SQLite has one writer anyway."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _export(target: IO[str]) -> int:
    writer = csv.writer(target)
    writer.writerow(EXPORT_COLUMNS)
    master_of_patient = dict(
        PersonLink.objects.values_list("patient_id", "person__master_id").iterator(
            chunk_size=20_000
        )
    )
    master_of_person = _live_master_ids()
    sourced: set[int] = set()
    count = 0
    rows = SourceRecord.objects.order_by("pk").values_list(
        "source_system",
        "source_record_id",
        "line",
        "status",
        "patient_id",
        "person_id",
        "flags",
        "reason",
    )
    for system, record_id, line, status, patient_id, person_id, flags, reason in rows.iterator(
        chunk_size=20_000
    ):
        if status == SourceStatus.REGISTERED:
            sourced.add(patient_id)
        master_id = (
            master_of_patient.get(patient_id, "")
            if patient_id
            else master_of_person(person_id)
            if person_id
            else ""
        )
        writer.writerow(
            [system, record_id, line, status, master_id, patient_id or "", flags, reason]
        )
        count += 1
    for patient_id, master_id in sorted(master_of_patient.items()):
        if patient_id not in sourced:
            writer.writerow(
                [
                    ONETRIP_SYSTEM,
                    patient_id,
                    "",
                    SourceStatus.REGISTERED,
                    master_id,
                    patient_id,
                    "",
                    "",
                ]
            )
            count += 1
    return count


def _live_master_ids() -> Callable[[int], str]:
    """A person's master ID, or that of the person it was merged into (and so on)."""
    merged_into = dict(
        Person.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id")
    )
    kept_persons = set(
        SourceRecord.objects.filter(status=SourceStatus.KEPT).values_list("person_id", flat=True)
    )
    wanted = set(kept_persons)
    for person_id in kept_persons:
        while person_id in merged_into:
            person_id = merged_into[person_id]
            wanted.add(person_id)
    master_id = dict(Person.objects.filter(pk__in=wanted).values_list("pk", "master_id"))

    def live(person_id: int) -> str:
        while person_id in merged_into:
            person_id = merged_into[person_id]
        return master_id.get(person_id, "")

    return live


# --- looking the cross-reference up (API and FHIR) -------------------------------------------

# FHIR identifier system of a source system's record ids: <base><source system>.
SOURCE_SYSTEM_BASE = "https://onetrip.example/fhir/sid/source/"


def source_system_uri(source_system: str) -> str:
    return f"{SOURCE_SYSTEM_BASE}{source_system}"


def person_of_source(source: SourceRecord) -> Person | None:
    """The live person a row belongs to: its record's, or its own followed through merges."""
    if source.patient_id is not None:
        return services.person_of(source.patient_id)
    person = source.person
    while person is not None and person.merged_into_id is not None:
        person = person.merged_into
    return person


def patients_of_source_identifier(system_uri: str, value: str) -> Q | None:
    """identity's FHIR search: the records of the person a source record belongs to. The id as
    typed, exactly: ids are opaque ("x1" and "X1" may be two people), and the key's index serves
    it."""
    if not system_uri.startswith(SOURCE_SYSTEM_BASE):
        return None
    source = (
        SourceRecord.objects.filter(
            source_system=system_uri.removeprefix(SOURCE_SYSTEM_BASE),
            source_record_id=value,
        )
        .select_related("person")
        .first()
    )
    person = person_of_source(source) if source else None
    if person is None:
        return Q(pk__in=[])
    return Q(pk__in=PersonLink.objects.filter(person=person).values("patient_id"))


@dataclass(frozen=True)
class CrossReference:
    source: SourceRecord
    master_id: str
    patient_ids: list[int]
    same_person: list[tuple[str, str]]  # the person's other source records


def view_source_record(
    source_system: str, source_record_id: str, *, actor: Actor
) -> CrossReference:
    """What a source record became, for a reviewer of the loading institution or of an
    institution holding one of its person's records (audited); anything else answers 404."""
    services.require_reviewer(actor)
    source = (
        SourceRecord.objects.filter(source_system=source_system, source_record_id=source_record_id)
        .select_related("person")
        .first()
    )
    if source is None:
        raise NotFound(_("No such source record."))
    person = person_of_source(source)
    patient_ids = sorted(services.records_of(person).values_list("pk", flat=True)) if person else []
    if source.institution_id != actor.institution_id and not (
        identity.accessible_patients(actor).filter(pk__in=patient_ids).exists()
    ):
        raise NotFound(_("No such source record."))
    others = SourceRecord.objects.filter(
        Q(patient_id__in=patient_ids) | Q(person=person) if person else Q(pk__in=[])
    ).exclude(pk=source.pk)
    with transaction.atomic():  # a kept row has no record: the audit row names none then
        audit.record(
            actor,
            AuditAction.VIEW,
            source,
            patient_id=patient_ids[0] if patient_ids else None,
            summary="master patient index",
        )
    return CrossReference(
        source=source,
        master_id=person.master_id if person else "",
        patient_ids=patient_ids,
        same_person=sorted(others.values_list("source_system", "source_record_id")),
    )
