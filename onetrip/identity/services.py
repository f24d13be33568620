"""Every change to patients, their documents and proxies; every audited read (R-ID-1, R-ORG-3).

Interfaces (API, pages, admin, other apps) call these functions and nothing else writes here.
Each public writer is one transaction that also writes its audit row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, bulk, clock, compiled, limits
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.masking import mask_document_number, mask_phone
from onetrip.core.models import AuditAction
from onetrip.core.text import clean_free_text, clean_name, normalise_text
from onetrip.identity import face
from onetrip.identity.documents import (
    DocumentType,
    ValidDocument,
    check_consistency,
    normalise_mobile,
    validate_document,
)
from onetrip.identity.models import (
    AffiliationReason,
    ConsentBasis,
    FaceCheck,
    FaceCheckPurpose,
    FaceCheckStatus,
    IdentityDocument,
    MobileAccount,
    OneTimeCode,
    Patient,
    PatientAffiliation,
    ProxyGrant,
    RecordClaim,
    Relationship,
    Sex,
)
from onetrip.notifications import services as notifications

ADULT_AGE = 18

# The master patient index files every new record and refiles a changed one, in the change's
# transaction (R-ID-2). mpi stands above identity (it reads identity's records), so it hands its
# indexers over at start-up (`MpiConfig.ready`), as billing's `when_paid` takes its follow-ups.
PatientHook = Callable[[Patient], object]
_registered_hooks: list[PatientHook] = []
_changed_hooks: list[PatientHook] = []


def when_registered(hook: PatientHook) -> None:
    if hook not in _registered_hooks:
        _registered_hooks.append(hook)


def when_changed(hook: PatientHook) -> None:
    if hook not in _changed_hooks:
        _changed_hooks.append(hook)


# Grants whose holder may consent for the patient: the patient, or a minor's guardian.
# A number on file verified by its holder counts as the patient's own (D56).
CONSENTING_BASES = (
    ConsentBasis.OWN_RECORD,
    ConsentBasis.GUARDIAN_OF_MINOR,
    ConsentBasis.PHONE_ON_FILE,
)
NAME_MAX_LENGTH = 60


@dataclass(frozen=True)
class DocumentInput:
    doc_type: str
    number: str
    issuing_country: str = ""


@dataclass(frozen=True)
class GuardianInput:
    """A minor registered under a guardian's document."""

    doc_type: str
    number: str
    relationship: str
    issuing_country: str = ""


@dataclass(frozen=True)
class PatientRegistration:
    name: str
    sex: str
    birth_date: dt.date | None
    phone: str
    address: str = ""
    documents: list[DocumentInput] = field(default_factory=list)
    guardian: GuardianInput | None = None
    relationship: str = Relationship.SELF  # how a registering mobile account relates to them


# --- access ---------------------------------------------------------------------------------


def accessible_patients(actor: Actor) -> QuerySet[Patient]:
    """Patients this actor may read: staff see their institution's affiliated patients only, and
    so does an institution's external system (its API key stands for the institution); a mobile
    account sees the patients it holds a live grant for."""
    if actor.kind in (ActorKind.STAFF, ActorKind.CLIENT):
        if actor.kind == ActorKind.STAFF and not actor.has_perm("identity.view_patient"):
            return Patient.objects.none()
        affiliated = PatientAffiliation.objects.filter(
            patient=OuterRef("pk"), institution_id=actor.institution_id
        )
        return Patient.objects.filter(Exists(affiliated))
    if actor.kind == ActorKind.PATIENT:
        granted = ProxyGrant.objects.filter(
            patient=OuterRef("pk"), account_id=actor.account_id, revoked_at__isnull=True
        )
        return Patient.objects.filter(Exists(granted))
    return Patient.objects.all()


def patient_in_scope(actor: Actor, patient_id: int) -> tuple[str, tuple]:
    """`accessible_patients(actor)` for one patient as an SQL condition (`EXISTS (…)`) and its
    parameters, for a caller that joins the rule into a statement of its own (the booking
    call, D181). Compiled once per kind of caller (D240): the rule is still
    `accessible_patients`."""
    shape = (
        "identity.patient_in_scope",
        actor.kind,
        actor.kind == ActorKind.STAFF and actor.has_perm("identity.view_patient"),
    )

    def build(institution_id: int | None, account_id: int | None, patient_id: int):
        scoped = dataclasses.replace(actor, institution_id=institution_id, account_id=account_id)
        return accessible_patients(scoped).filter(pk=patient_id)

    return compiled.condition(
        shape,
        build,
        institution_id=actor.institution_id,
        account_id=actor.account_id,
        patient_id=patient_id,
    )


@transaction.atomic
def find_patients(
    condition: Q, *, count: int, changes: dict[str, Any], actor: Actor
) -> tuple[list[Patient], int]:
    """A structured search (FHIR `Patient?…`): the first `count` of the caller's patients that
    meet `condition`, by name, and how many do; one audit row, whose `changes` (identifiers
    masked) the caller words."""
    matches = accessible_patients(actor).filter(condition)
    total = matches.count()
    page = list(matches.order_by("name", "pk").prefetch_related("documents")[:count])
    audit.record(
        actor,
        AuditAction.SEARCH,
        Patient,
        summary=f"FHIR patient search ({total} found)",
        changes=changes,
    )
    return page, total


def _get_accessible(patient_id: int, actor: Actor, *, for_update: bool = False) -> Patient:
    patients = accessible_patients(actor)
    if for_update:
        patients = patients.select_for_update(no_key=True)
    try:
        return patients.get(pk=patient_id)
    except Patient.DoesNotExist:
        # The same answer for "absent" and "not yours": no probing of other institutions' records.
        raise NotFound(_("No such patient.")) from None


def _require_write(actor: Actor, perm: str) -> None:
    if actor.kind == ActorKind.STAFF:
        actor.require_perm(perm)
    elif actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(_("Only staff or the patient's own account can do this."))


# --- reads that are audited -----------------------------------------------------------------


@transaction.atomic
def view_patient(patient_id: int, *, actor: Actor) -> Patient:
    """Fetch one patient's record for display; a staff view leaves an audit row."""
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("identity.view_patient")
    patient = _get_accessible(patient_id, actor)
    if actor.kind == ActorKind.STAFF:
        audit.record(
            actor, AuditAction.VIEW, patient, patient_id=patient.pk, summary="patient record"
        )
    return patient


@transaction.atomic
def search_patients(query: str, *, actor: Actor, limit: int = 20) -> list[Patient]:
    """Find patients by document number, mobile number or name, within the actor's scope."""
    actor.require_perm("identity.view_patient")
    query = query.strip()
    if not query:
        raise InvalidInput.field("q", _("Enter a name, document number or mobile number."))
    term = query.upper().replace(" ", "")
    matches = Q(name__startswith=query) | Q(documents__number=term)
    if term.isdigit() and len(term) == 11:
        matches |= Q(phone=term)
    patients = list(
        accessible_patients(actor)
        .filter(matches)
        .distinct()
        .prefetch_related("documents")
        .order_by("name", "pk")[:limit]
    )
    audit.record(
        actor,
        AuditAction.SEARCH,
        Patient,
        summary=f"patient search ({len(patients)} found)",
        changes={"query": _mask_query(term)},
    )
    return patients


def _mask_query(term: str) -> str:
    # The audit trail must not become a second copy of identifiers.
    if term.isdigit() and len(term) == 11:
        return mask_phone(term)
    if any(ch.isdigit() for ch in term):
        return mask_document_number(term)
    return term


def patients_of_account(account_id: int) -> QuerySet[Patient]:
    return Patient.objects.filter(
        proxy_grants__account_id=account_id, proxy_grants__revoked_at__isnull=True
    ).prefetch_related("documents")


@dataclass(frozen=True)
class FamilyCard:
    """One patient a mobile account acts for: how it relates, and who else may act for them."""

    patient: Patient
    grant: ProxyGrant
    others: list[ProxyGrant]

    @property
    def may_consent(self) -> bool:
        return self.grant.basis in CONSENTING_BASES


def family_of_account(account_id: int) -> list[FamilyCard]:
    live = ProxyGrant.objects.filter(revoked_at__isnull=True).select_related("account")
    own = {g.patient_id: g for g in live.filter(account_id=account_id)}
    others: dict[int, list[ProxyGrant]] = {}
    for grant in live.filter(patient_id__in=own).exclude(account_id=account_id):
        others.setdefault(grant.patient_id, []).append(grant)
    patients = Patient.objects.filter(pk__in=own).prefetch_related("documents").order_by("pk")
    return [FamilyCard(p, own[p.pk], others.get(p.pk, [])) for p in patients]


# --- registration ---------------------------------------------------------------------------


def register_patient(registration: PatientRegistration, *, actor: Actor) -> Patient:
    """Register a real-name patient. Everything is validated before anything is written."""
    _require_write(actor, "identity.add_patient")
    cleaned = _clean_registration(registration, actor)
    if _already_registered(cleaned.documents):
        raise _duplicate_document_error(cleaned.documents)
    try:
        return _create_patient(cleaned, actor)
    except IntegrityError:
        # Lost a race with another registration of the same document.
        raise _duplicate_document_error(cleaned.documents) from None


@dataclass(frozen=True)
class _CleanRegistration:
    name: str
    sex: str
    birth_date: dt.date
    phone: str
    address: str
    documents: list[ValidDocument]
    guardian_document: ValidDocument | None
    guardian_relationship: str
    relationship: str


def _clean_registration(reg: PatientRegistration, actor: Actor) -> _CleanRegistration:
    errors: list[FieldError] = []
    today = clock.today()

    name = _collect(errors, _clean_patient_name, reg.name)
    address = _collect(errors, clean_free_text, reg.address, field="address")
    if reg.sex not in Sex.values:
        errors.append(FieldError("sex", _("Choose the patient's sex."), "invalid"))
    if reg.birth_date is None:
        errors.append(FieldError("birth_date", _("Enter the date of birth."), "required"))
    elif reg.birth_date > today or reg.birth_date.year < 1900:
        errors.append(
            FieldError("birth_date", _("The date of birth is not possible."), "birth_date")
        )
    # Staff may register a patient who has no mobile phone; a phone account registers with one.
    no_phone = actor.kind == ActorKind.STAFF and not (reg.phone or "").strip()
    phone = "" if no_phone else _collect(errors, normalise_mobile, reg.phone, field="phone")
    if reg.relationship not in Relationship.values:
        errors.append(FieldError("relationship", _("Choose a relationship."), "invalid"))

    documents = []
    for index, doc in enumerate(reg.documents):
        valid = _validate_input(errors, doc, f"documents.{index}", today)
        if valid is not None:
            documents.append(valid)
            _collect_consistency(errors, valid, reg.sex, reg.birth_date)

    guardian_document = None
    if reg.guardian is not None:
        guardian_document = _validate_input(errors, reg.guardian, "guardian", today)
        errors.extend(_guardian_errors(reg, guardian_document, today))

    if not reg.documents and reg.guardian is None:
        errors.append(
            FieldError(
                "documents",
                _("Add an identity document, or a guardian's document for a minor."),
                "required",
            )
        )
    errors.extend(_relationship_errors(reg, actor, phone, today))
    errors.extend(_repeated_document_errors(documents))
    if errors:
        raise InvalidInput(*errors)

    return _CleanRegistration(
        name=name,
        sex=reg.sex,
        birth_date=reg.birth_date,
        phone=phone,
        address=address[:200],
        documents=documents,
        guardian_document=guardian_document,
        guardian_relationship=reg.guardian.relationship if reg.guardian else "",
        relationship=reg.relationship,
    )


def _clean_patient_name(value: str) -> str:
    # One normal form and no invisible characters (core.text), so the name shows as typed and
    # the duplicate checks compare like with like.
    name = clean_name(value, field="name")
    if not name:
        raise InvalidInput.field("name", _("Enter the patient's name."), "required")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput.field("name", _("The name is too long."), "too_long")
    return name


def _collect(errors: list[FieldError], validator: Any, value: Any, **kwargs: Any) -> Any:
    try:
        return validator(value, **kwargs)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


def _validate_input(
    errors: list[FieldError],
    doc: DocumentInput | GuardianInput,
    prefix: str,
    today: dt.date,
) -> ValidDocument | None:
    try:
        return validate_document(
            doc.doc_type,
            doc.number,
            issuing_country=doc.issuing_country or None,
            field=f"{prefix}.number",
            today=today,
        )
    except InvalidInput as exc:
        errors.extend(_prefixed(exc.errors, prefix))
        return None


def _prefixed(errors: tuple[FieldError, ...], prefix: str) -> list[FieldError]:
    return [
        e if e.field.startswith(prefix) else FieldError(f"{prefix}.{e.field}", e.message, e.code)
        for e in errors
    ]


def _collect_consistency(
    errors: list[FieldError], doc: ValidDocument, sex: str, birth_date: dt.date | None
) -> None:
    try:
        check_consistency(
            doc, sex=sex if sex in (Sex.MALE, Sex.FEMALE) else None, birth_date=birth_date
        )
    except InvalidInput as exc:
        errors.extend(exc.errors)


def _age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _guardian_errors(
    reg: PatientRegistration, guardian: ValidDocument | None, today: dt.date
) -> list[FieldError]:
    errors = []
    if reg.birth_date is not None and _age_on(reg.birth_date, today) >= ADULT_AGE:
        errors.append(
            FieldError(
                "guardian",
                _("Only a minor can be registered under a guardian's document."),
                "not_minor",
            )
        )
    if reg.guardian.relationship not in (Relationship.PARENT, Relationship.GUARDIAN):
        errors.append(
            FieldError("guardian.relationship", _("Choose parent or legal guardian."), "invalid")
        )
    if guardian and guardian.birth_date and _age_on(guardian.birth_date, today) < ADULT_AGE:
        errors.append(
            FieldError("guardian.number", _("The guardian must be an adult."), "guardian_minor")
        )
    return errors


def _relationship_errors(
    reg: PatientRegistration, actor: Actor, phone: str | None, today: dt.date
) -> list[FieldError]:
    """A mobile account registers its holder, or a minor it is parent or guardian of. An adult
    family member registers themself and then consents to a proxy (see `grant_proxy`)."""
    if actor.kind != ActorKind.PATIENT:
        return []
    if reg.relationship == Relationship.SELF:
        account_phone = MobileAccount.objects.get(pk=actor.account_id).phone
        if phone and phone != account_phone:
            return [
                FieldError(
                    "phone",
                    _("Register yourself with the mobile number you signed in with."),
                    "not_own_phone",
                )
            ]
        return []
    is_minor = reg.birth_date is not None and _age_on(reg.birth_date, today) < ADULT_AGE
    if reg.relationship in (Relationship.PARENT, Relationship.GUARDIAN) and is_minor:
        return []
    return [_adult_needs_own_account()]


def _repeated_document_errors(documents: list[ValidDocument]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    errors = []
    for index, doc in enumerate(documents):
        key = (doc.doc_type, doc.number)
        if key in seen:
            errors.append(
                FieldError(
                    f"documents.{index}.number", _("This document is listed twice."), "repeated"
                )
            )
        seen.add(key)
    return errors


def _already_registered(documents: list[ValidDocument]) -> list[ValidDocument]:
    if not documents:
        return []
    clauses = Q()
    for doc in documents:
        clauses |= Q(doc_type=doc.doc_type, number=doc.number)
    taken = set(
        IdentityDocument.objects.filter(clauses, is_guardian_document=False).values_list(
            "doc_type", "number"
        )
    )
    return [doc for doc in documents if (doc.doc_type, doc.number) in taken]


def _duplicate_document_error(documents: list[ValidDocument]) -> InvalidInput:
    taken = set(
        IdentityDocument.objects.filter(
            is_guardian_document=False, number__in=[d.number for d in documents]
        ).values_list("doc_type", "number")
    )
    errors = [
        FieldError(
            f"documents.{index}.number",
            _("This document is already registered to a patient."),
            "duplicate",
        )
        for index, doc in enumerate(documents)
        if (doc.doc_type, doc.number) in taken
    ]
    return (
        InvalidInput(*errors)
        if errors
        else InvalidInput.field(
            "documents", _("This document is already registered to a patient."), "duplicate"
        )
    )


@transaction.atomic
def _create_patient(reg: _CleanRegistration, actor: Actor) -> Patient:
    now = clock.now()
    patient = Patient.objects.create(
        name=reg.name,
        sex=reg.sex,
        birth_date=reg.birth_date,
        phone=reg.phone,
        address=reg.address,
        registered_at=now,
        updated_at=now,
    )
    for doc in reg.documents:
        _store_document(patient, doc, now)
    if reg.guardian_document is not None:
        _store_document(
            patient, reg.guardian_document, now, guardian_relationship=reg.guardian_relationship
        )
    # The master patient index files the record and links or queues its duplicates (R-ID-2).
    for hook in _registered_hooks:
        hook(patient)
    if actor.kind == ActorKind.STAFF:
        PatientAffiliation.objects.create(
            patient=patient,
            institution_id=actor.institution_id,
            reason=AffiliationReason.REGISTERED,
            since=now,
        )
    elif actor.kind == ActorKind.PATIENT:
        is_self = reg.relationship == Relationship.SELF
        ProxyGrant.objects.create(
            patient=patient,
            account_id=actor.account_id,
            relationship=reg.relationship,
            basis=ConsentBasis.OWN_RECORD if is_self else ConsentBasis.GUARDIAN_OF_MINOR,
            granted_at=now,
            granted_by=actor.label,
        )
    audit.record(
        actor,
        AuditAction.CREATE,
        patient,
        patient_id=patient.pk,
        summary="patient registered",
        changes={
            "name": reg.name,
            "documents": [f"{d.doc_type}:{mask_document_number(d.number)}" for d in reg.documents],
            "guardian_document": bool(reg.guardian_document),
        },
    )
    return patient


def _store_document(
    patient: Patient, doc: ValidDocument, now: dt.datetime, *, guardian_relationship: str = ""
) -> IdentityDocument:
    return IdentityDocument.objects.create(
        patient=patient,
        doc_type=doc.doc_type,
        number=doc.number,
        issuing_country=doc.issuing_country or "",
        expires_on=doc.expires_on,
        is_guardian_document=bool(guardian_relationship),
        guardian_relationship=guardian_relationship,
        added_at=now,
    )


# --- legacy loads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LegacyPatient:
    """A record from an institution's old system, kept as it came: the master patient index
    (mpi.registry) has validated each document alone and flagged what disagrees (a birth date
    or sex other than the ID number's, a guardian who is a minor); the desk's cross-field rules
    do not apply to history. `documents` are on file nowhere else (the index checked)."""

    name: str
    sex: str
    birth_date: dt.date
    phone: str
    address: str
    documents: tuple[ValidDocument, ...] = ()
    guardian_document: ValidDocument | None = None
    guardian_relationship: str = ""


def load_legacy_patients(records: list[LegacyPatient], *, actor: Actor) -> list[int]:
    """Create a batch of legacy records in bulk (COPY on PostgreSQL), affiliated with the loading
    institution, with one audit row for the batch; returns their ids in the batch's order. The
    registration hooks do not run: the index files the batch itself, in bulk (a million single
    registrations would take hours)."""
    _require_write(actor, "identity.add_patient")
    if actor.kind != ActorKind.STAFF or actor.institution_id is None:
        raise PermissionDenied(_("Only staff of an institution load legacy records."))
    if not records:
        return []
    with transaction.atomic():
        now = clock.now()
        ids = bulk.reserve_ids(Patient, len(records))
        bulk.insert_rows(
            Patient,
            ("id", "name", "sex", "birth_date", "phone", "address", "registered_at", "updated_at"),
            (
                (pk, r.name, r.sex, r.birth_date, r.phone, r.address[:200], now, now)
                for pk, r in zip(ids, records, strict=True)
            ),
        )
        bulk.insert_rows(
            IdentityDocument,
            (
                "patient_id",
                "doc_type",
                "number",
                "issuing_country",
                "expires_on",
                "is_guardian_document",
                "guardian_relationship",
                "added_at",
            ),
            _legacy_documents(ids, records, now),
        )
        bulk.insert_rows(
            PatientAffiliation,
            ("patient_id", "institution_id", "reason", "since"),
            ((pk, actor.institution_id, AffiliationReason.REGISTERED, now) for pk in ids),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            Patient,
            summary=f"{len(ids)} legacy patient records loaded",
            changes={"first": min(ids), "last": max(ids)},
        )
    return ids


def registry_size() -> int:
    """How many patient records are on file, for a batch run choosing how to load."""
    return Patient.objects.count()


@contextmanager
def checks_after_legacy_load() -> Iterator[None]:
    """Around a load that multiplies the registry (`load_legacy_patients` batch after batch):
    patients', documents' and affiliations' foreign keys, unique constraints and secondary
    indexes are built once when the block ends instead of row by row (`bulk.checks_after_load`,
    D250). Kept meanwhile: the document number index (a load looks each batch's documents up)
    and "one holder per identifying document" (the invariant the index's deterministic link
    rests on). The caller holds the batch-run lock and loads only new patients, so the dropped
    unique constraints (one affiliation per institution, a document once per patient) hold."""
    with bulk.checks_after_load(
        (Patient, IdentityDocument, PatientAffiliation),
        keep=((IdentityDocument, ("number",)), (IdentityDocument, ("doc_type", "number"))),
    ):
        yield


def analyze_after_legacy_load() -> None:
    """The planner's statistics of the tables a legacy load filled (`bulk.analyze`, D261)."""
    bulk.analyze((Patient, IdentityDocument, PatientAffiliation))


def _legacy_documents(
    ids: list[int], records: list[LegacyPatient], now: dt.datetime
) -> Iterator[tuple]:
    """Each record's own documents, then its guardian's (marked as such)."""
    for pk, r in zip(ids, records, strict=True):
        for doc in r.documents:
            yield (
                pk,
                doc.doc_type,
                doc.number,
                doc.issuing_country or "",
                doc.expires_on,
                False,
                "",
                now,
            )
        guardian = r.guardian_document
        if guardian is not None:
            yield (
                pk,
                guardian.doc_type,
                guardian.number,
                guardian.issuing_country or "",
                guardian.expires_on,
                True,
                r.guardian_relationship,
                now,
            )


# --- changes to an existing patient ---------------------------------------------------------

EDITABLE_FIELDS = ("name", "phone", "address")


def update_patient(patient_id: int, changes: dict[str, str], *, actor: Actor) -> Patient:
    """Change contact details or the name. Sex and birth date follow the documents."""
    _require_write(actor, "identity.change_patient")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            *(FieldError(f, _("This field cannot be changed here."), "read_only") for f in unknown)
        )
    cleaned: dict[str, str] = {}
    errors: list[FieldError] = []
    if "name" in changes:
        cleaned["name"] = _collect(errors, _clean_patient_name, changes["name"])
    if "phone" in changes:
        cleaned["phone"] = _collect(errors, normalise_mobile, changes["phone"], field="phone")
    if "address" in changes:
        address = _collect(errors, clean_free_text, changes["address"], field="address")
        cleaned["address"] = (address or "")[:200]
    if errors:
        raise InvalidInput(*errors)
    return _apply_update(patient_id, cleaned, actor)


@transaction.atomic
def _apply_update(patient_id: int, cleaned: dict[str, str], actor: Actor) -> Patient:
    patient = _get_accessible(patient_id, actor, for_update=True)
    diff = {}
    for name, value in cleaned.items():
        before = getattr(patient, name)
        if before != value:
            masked = mask_phone if name == "phone" else str
            diff[name] = {"from": masked(before), "to": masked(value)}
            setattr(patient, name, value)
    if not diff:
        return patient
    patient.updated_at = clock.now()
    patient.save(update_fields=[*diff, "updated_at"])
    for hook in _changed_hooks:
        hook(patient)
    audit.record(
        actor,
        AuditAction.UPDATE,
        patient,
        patient_id=patient.pk,
        summary=f"changed {', '.join(diff)}",
        changes=diff,
    )
    return patient


def add_document(patient_id: int, doc: DocumentInput, *, actor: Actor) -> IdentityDocument:
    _require_write(actor, "identity.add_identitydocument")
    errors: list[FieldError] = []
    valid = _validate_input(errors, doc, "document", clock.today())
    if errors:
        raise InvalidInput(*errors)
    if actor.kind == ActorKind.PATIENT:
        # "Already registered" tells whether a number is on file: within the daily budget only.
        limits.spend(
            "identity_claim_per_account", str(actor.account_id), message=CLAIM_LIMIT_MESSAGE
        )
    try:
        return _attach_document(patient_id, valid, actor)
    except IntegrityError:
        raise InvalidInput.field(
            "document.number", _("This document is already registered to a patient."), "duplicate"
        ) from None


@transaction.atomic
def _attach_document(patient_id: int, doc: ValidDocument, actor: Actor) -> IdentityDocument:
    patient = _get_accessible(patient_id, actor, for_update=True)
    try:
        check_consistency(doc, sex=patient.sex, birth_date=patient.birth_date)
    except InvalidInput as exc:
        raise InvalidInput(
            *(FieldError("document.number", e.message, "mismatch") for e in exc.errors)
        ) from None
    if _already_registered([doc]):
        raise InvalidInput.field(
            "document.number", _("This document is already registered to a patient."), "duplicate"
        )
    stored = _store_document(patient, doc, clock.now())
    audit.record(
        actor,
        AuditAction.CREATE,
        stored,
        patient_id=patient.pk,
        summary=f"document added: {doc.doc_type}",
        changes={"number": mask_document_number(doc.number)},
    )
    return stored


# --- who may act for whom -------------------------------------------------------------------


def grant_proxy(
    patient_id: int, grantee_phone: str, relationship: str, *, actor: Actor
) -> ProxyGrant:
    """Let a family member's mobile account act for a patient. Consent comes from the patient's
    own account (or a minor's guardian), or is written consent recorded by staff."""
    errors: list[FieldError] = []
    phone = _collect(errors, normalise_mobile, grantee_phone, field="phone")
    if relationship not in Relationship.values or relationship == Relationship.SELF:
        errors.append(FieldError("relationship", _("Choose a relationship."), "invalid"))
    if errors:
        raise InvalidInput(*errors)
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("identity.add_proxygrant")
        basis = ConsentBasis.WRITTEN_CONSENT
    elif actor.kind == ActorKind.PATIENT:
        basis = ConsentBasis.PATIENT_CONSENT
    else:
        raise PermissionDenied(_("Only staff or the patient's own account can do this."))
    return _create_grant(patient_id, phone, relationship, basis, actor)


@transaction.atomic
def _create_grant(
    patient_id: int, phone: str, relationship: str, basis: str, actor: Actor
) -> ProxyGrant:
    patient = _get_accessible(patient_id, actor, for_update=True)
    if actor.kind == ActorKind.PATIENT and not _can_consent_for(patient, actor.account_id):
        raise PermissionDenied(
            _("Only the patient, or a minor's guardian, can give a family member access.")
        )
    now = clock.now()
    account, _created = MobileAccount.objects.get_or_create(
        phone=phone, defaults={"created_at": now}
    )
    existing = ProxyGrant.objects.filter(
        patient=patient, account=account, revoked_at__isnull=True
    ).first()
    if existing:
        return existing
    grant = ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=relationship,
        basis=basis,
        granted_at=now,
        granted_by=actor.label,
    )
    audit.record(
        actor,
        AuditAction.GRANT,
        grant,
        patient_id=patient.pk,
        summary=f"proxy granted to {mask_phone(phone)} ({relationship})",
    )
    return grant


def _can_consent_for(patient: Patient, account_id: int) -> bool:
    return ProxyGrant.objects.filter(
        patient=patient,
        account_id=account_id,
        revoked_at__isnull=True,
        basis__in=CONSENTING_BASES,
    ).exists()


@transaction.atomic
def revoke_proxy(grant_id: int, *, actor: Actor) -> ProxyGrant:
    grant = ProxyGrant.objects.select_for_update(no_key=True).filter(pk=grant_id).first()
    if grant is None or grant.revoked_at is not None:
        raise NotFound(_("No such access grant."))
    patient = _get_accessible(grant.patient_id, actor)
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("identity.add_proxygrant")
    elif actor.kind == ActorKind.PATIENT and not (
        grant.account_id == actor.account_id or _can_consent_for(patient, actor.account_id)
    ):
        raise PermissionDenied(_("Only the patient or the family member can withdraw access."))
    grant.revoked_at = clock.now()
    grant.save(update_fields=["revoked_at"])
    audit.record(
        actor, AuditAction.REVOKE, grant, patient_id=grant.patient_id, summary="proxy revoked"
    )
    return grant


# --- sharing across the consortium ----------------------------------------------------------


def affiliate_by_document(doc: DocumentInput, *, actor: Actor) -> Patient:
    """A patient presents a document at this institution's window: the clerk, holding the full
    number, may bring the consortium record into the institution's scope."""
    actor.require_perm("identity.add_patient")
    errors: list[FieldError] = []
    valid = _validate_input(errors, doc, "document", clock.today())
    if errors:
        raise InvalidInput(*errors)
    return _affiliate(valid, actor)


@transaction.atomic
def _affiliate(doc: ValidDocument, actor: Actor) -> Patient:
    found = (
        IdentityDocument.objects.select_related("patient")
        .filter(doc_type=doc.doc_type, number=doc.number, is_guardian_document=False)
        .first()
    )
    if found is None:
        raise NotFound(_("No patient holds this document."))
    patient = found.patient
    _affiliation, created = PatientAffiliation.objects.get_or_create(
        patient=patient,
        institution_id=actor.institution_id,
        defaults={"reason": AffiliationReason.PRESENTED_DOCUMENT, "since": clock.now()},
    )
    if created:
        audit.record(
            actor,
            AuditAction.GRANT,
            patient,
            patient_id=patient.pk,
            summary="record brought into scope: patient presented a document",
        )
    return patient


def patient_at_kiosk(doc_type: str, doc_number: str, *, actor: Actor) -> Patient:
    """The patient holding the document a kiosk read (an ID card, or the e-health card's QR
    code), among the kiosk institution's patients (D105). A kiosk is an institution's system
    (its API key), so it sees the patients that institution may: a patient registered only
    elsewhere is sent to the phone app or the window, where the record is brought in with
    proof. Each look-up counts against the kiosk's rate limit: numbers typed at a kiosk are
    guesses until they match."""
    if actor.kind != ActorKind.CLIENT or actor.client_channel != "kiosk":
        raise PermissionDenied(_("Only a registered kiosk can look patients up here."))
    limits.spend("kiosk_lookup_per_client", str(actor.client_id))
    errors: list[FieldError] = []
    valid = _validate_input(errors, DocumentInput(doc_type, doc_number), "document", clock.today())
    if errors:
        raise InvalidInput(*errors)
    holders = IdentityDocument.objects.filter(
        doc_type=valid.doc_type, number=valid.number, is_guardian_document=False
    ).values("patient_id")
    patient = accessible_patients(actor).filter(pk__in=holders).first()
    if patient is None:
        raise NotFound(
            _(
                "No record here for this document: register on the phone app, or at the "
                "registration window."
            )
        )
    return patient


def patient_for_emergency(doc: DocumentInput, institution_id: int) -> Patient:
    """The patient an ambulance crew identified by an ID card or e-health card, brought into the
    receiving hospital's scope so its team can read the record before the door. Runs in the
    emergency run's transaction; the run's own audit row records the act."""
    errors: list[FieldError] = []
    valid = _validate_input(errors, doc, "document", clock.today())
    if errors:
        raise InvalidInput(*errors)
    found = IdentityDocument.objects.filter(
        doc_type=valid.doc_type, number=valid.number, is_guardian_document=False
    ).first()
    if found is None:
        raise NotFound(_("No patient holds this document."))
    _affiliate_quietly(found.patient_id, institution_id, AffiliationReason.PRESENTED_DOCUMENT)
    return found.patient


def register_unidentified_patient(*, label: str, sex: str, institution_id: int) -> Patient:
    """An unknown-patient placeholder (无名氏) registered before arrival: no document, the
    birth date of the day (unknown), a label naming the run. The master patient index files it
    like any record, so it is merged into the real one through the review queue later. Runs in
    the emergency run's transaction, which writes the audit row."""
    now = clock.now()
    patient = Patient.objects.create(
        name=label[:NAME_MAX_LENGTH],
        sex=sex if sex in Sex.values else Sex.UNKNOWN,
        birth_date=clock.today(),
        registered_at=now,
        updated_at=now,
    )
    for hook in _registered_hooks:
        hook(patient)
    _affiliate_quietly(patient.pk, institution_id, AffiliationReason.REGISTERED)
    return patient


def affiliate_for_appointment(patient_id: int, institution_id: int) -> None:
    """A patient booked at an institution: its staff will need the record at the visit. Runs in
    the booking's transaction; the booking's own audit row records the act."""
    _affiliate_quietly(patient_id, institution_id, AffiliationReason.APPOINTMENT)


def affiliate_for_referral(patient_id: int, institution_id: int) -> None:
    """A patient referred to an institution: its staff receive and treat them. Runs in the
    referral's transaction; the referral's own audit row records the act."""
    _affiliate_quietly(patient_id, institution_id, AffiliationReason.REFERRAL)


def _affiliate_quietly(patient_id: int, institution_id: int, reason: str) -> None:
    # INSERT … ON CONFLICT DO NOTHING: an existing affiliation (and its reason) stays as it is.
    PatientAffiliation.objects.bulk_create(
        [
            PatientAffiliation(
                patient_id=patient_id,
                institution_id=institution_id,
                reason=reason,
                since=clock.now(),
            )
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def share_patient(patient_id: int, institution_id: int, *, actor: Actor) -> PatientAffiliation:
    actor.require_perm("identity.share_patient")
    patient = _get_accessible(patient_id, actor)
    if not Institution.objects.filter(pk=institution_id).exists():
        raise InvalidInput.field("institution_id", _("No such institution."), "unknown")
    affiliation, created = PatientAffiliation.objects.get_or_create(
        patient=patient,
        institution_id=institution_id,
        defaults={"reason": AffiliationReason.SHARED, "since": clock.now()},
    )
    if created:
        audit.record(
            actor,
            AuditAction.GRANT,
            patient,
            patient_id=patient.pk,
            summary=f"record shared with institution {institution_id}",
        )
    return affiliation


# --- patient sign-in with a one-time SMS code -----------------------------------------------


def _code_digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), "sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def request_sign_in_code(phone: str, *, client_address: str | None = None) -> OneTimeCode:
    """Send a six-digit code to a mobile number through the SMS adapter, within the send limits
    per client address, per number and for everyone (D58: SMS pumping)."""
    phone = normalise_mobile(phone, field="phone")
    limits.spend(
        "sign_in_code_per_client",
        client_address,
        message=_("Too many codes asked from this device. Please wait and try again later."),
    )
    limits.spend(
        "sign_in_code_per_phone",
        phone,
        message=_("Too many codes sent to this number. Please wait and try again later."),
    )
    limits.spend(
        "sign_in_code_everyone",
        "all",
        message=_("Sign-in codes are paused for now. Please try again later."),
    )
    return _issue_code(phone)


@transaction.atomic
def _issue_code(phone: str) -> OneTimeCode:
    now = clock.now()
    policy = settings.ONETRIP_OTP
    recent = OneTimeCode.objects.filter(
        phone=phone, created_at__gt=now - dt.timedelta(seconds=policy["resend_after_seconds"])
    )
    if recent.exists():
        raise InvalidInput.field(
            "phone",
            _("A code was sent a moment ago. Wait a minute before asking again."),
            "too_soon",
        )
    # Earlier codes stay valid until they expire: a stranger asking for a code to someone else's
    # number must not void the code that person is typing (D58).
    code = _new_code()
    one_time_code = OneTimeCode.objects.create(
        phone=phone,
        code_hash=_code_digest(phone, code),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=policy["ttl_seconds"]),
    )
    notifications.notify(
        "sign_in_code",
        phone=phone,
        subject=one_time_code,
        params={"code": code, "minutes": str(policy["ttl_seconds"] // 60)},
    )
    return one_time_code


WRONG_CODE_MESSAGE = _("The code is wrong or has expired.")
TOO_MANY_GUESSES_MESSAGE = _("Too many wrong codes. Please wait an hour, then ask for a new code.")


def sign_in_with_code(phone: str, code: str, *, client_address: str | None = None) -> MobileAccount:
    """Check a code. Wrong guesses are counted per number across every code sent to it, and per
    client address (D58); a verified number brings in the records on file with it (D56)."""
    phone = normalise_mobile(phone, field="phone")
    code = code.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidInput.field("code", _("Enter the six-digit code."), "format")
    limits.check("sign_in_guess_per_phone", phone, message=TOO_MANY_GUESSES_MESSAGE)
    limits.check("sign_in_guess_per_client", client_address, message=TOO_MANY_GUESSES_MESSAGE)
    account = _redeem_code(phone, code, client_address)
    if account is None:
        limits.spend("sign_in_guess_per_phone", phone, message=TOO_MANY_GUESSES_MESSAGE)
        limits.spend("sign_in_guess_per_client", client_address, message=TOO_MANY_GUESSES_MESSAGE)
        raise InvalidInput.field("code", WRONG_CODE_MESSAGE, "wrong_code")
    return account


def _redeem_code(phone: str, code: str, client_address: str | None) -> MobileAccount | None:
    # Counting the attempt must survive the refusal, so it commits before we answer.
    with transaction.atomic():
        now = clock.now()
        live = list(
            OneTimeCode.objects.select_for_update(no_key=True)
            .filter(
                phone=phone,
                used_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=settings.ONETRIP_OTP["max_attempts"],
            )
            .order_by("pk")
        )
        digest = _code_digest(phone, code)
        matched = next((c for c in live if hmac.compare_digest(c.code_hash, digest)), None)
        if matched is None:
            OneTimeCode.objects.filter(pk__in=[c.pk for c in live]).update(
                attempts=F("attempts") + 1
            )
            return None
        matched.used_at = now
        matched.save(update_fields=["used_at"])
        # Signed in: the number's other codes have served their purpose.
        OneTimeCode.objects.filter(pk__in=[c.pk for c in live if c is not matched]).update(
            expires_at=now
        )
        account, _created = MobileAccount.objects.get_or_create(
            phone=phone, defaults={"created_at": now}
        )
        account.last_sign_in_at = now
        account.save(update_fields=["last_sign_in_at"])
        _link_records_on_file(account, _account_actor(account, client_address), now)
        return account


def _account_actor(account: MobileAccount, client_address: str | None) -> Actor:
    return Actor(
        kind=ActorKind.PATIENT,
        label=mask_phone(account.phone),
        account_id=account.pk,
        ip=client_address,
        channel=Channel.WEB,
    )


def _link_records_on_file(account: MobileAccount, actor: Actor, now: dt.datetime) -> None:
    """Records registered elsewhere (at a window) with this very number join the account that
    just proved it holds the number: the hospital reaches the patient on it, so holding it is
    proof of ownership (D56). A record the account once had and gave up is not taken back."""
    ever_granted = ProxyGrant.objects.filter(patient=OuterRef("pk"), account=account)
    on_file = Patient.objects.filter(phone=account.phone).exclude(Exists(ever_granted))
    for patient in on_file.order_by("pk"):
        ProxyGrant.objects.create(
            patient=patient,
            account=account,
            relationship=Relationship.SELF,
            basis=ConsentBasis.PHONE_ON_FILE,
            granted_at=now,
            granted_by=actor.label,
        )
        audit.record(
            actor,
            AuditAction.GRANT,
            patient,
            patient_id=patient.pk,
            summary="record linked: the mobile number on file was verified by a sign-in code",
        )


# --- claiming a record registered elsewhere -------------------------------------------------


@dataclass(frozen=True)
class RecordClaimInput:
    """What a claimant types: the record's own identity document, name and date of birth, and
    who the record's patient is to them."""

    doc_type: str
    number: str
    name: str
    birth_date: dt.date | None
    relationship: str = Relationship.SELF
    issuing_country: str = ""


@dataclass(frozen=True)
class ClaimAnswer:
    """The one answer to a claim, whether or not a record matched: where the code went, masked.
    When nothing matched, the hint is a made-up number, the same every time for the same input,
    so neither the answer nor asking twice tells a match from none."""

    sent_to: str


CLAIM_SENT_MESSAGE = _(
    "If a record matches what you typed, we sent a code to the mobile number on file "
    "(%(phone)s). Enter it to link the record to this account."
)


def start_record_claim(claim: RecordClaimInput, *, actor: Actor) -> ClaimAnswer:
    """A signed-in account claims a record registered elsewhere (D56). Format errors are answered
    as such; past them the answer is the same whether a record matched or not. A code goes to
    the phone on file only when the document, name and date of birth all match."""
    if actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(_("Only a patient's own account can do this."))
    cleaned = _clean_claim(claim)
    limits.spend("identity_claim_per_account", str(actor.account_id), message=CLAIM_LIMIT_MESSAGE)
    return _open_claim(cleaned, actor)


CLAIM_LIMIT_MESSAGE = _(
    "Too many attempts to register or link records today. Please try again tomorrow, or ask "
    "at a registration window."
)


@dataclass(frozen=True)
class _CleanClaim:
    document: ValidDocument
    name: str
    birth_date: dt.date
    relationship: str


def _clean_claim(claim: RecordClaimInput) -> _CleanClaim:
    errors: list[FieldError] = []
    today = clock.today()
    name = _collect(errors, _clean_patient_name, claim.name)
    document = _validate_input(
        errors,
        DocumentInput(claim.doc_type, claim.number, claim.issuing_country),
        "document",
        today,
    )
    if claim.birth_date is None:
        errors.append(FieldError("birth_date", _("Enter the date of birth."), "required"))
    elif claim.birth_date > today or claim.birth_date.year < 1900:
        errors.append(
            FieldError("birth_date", _("The date of birth is not possible."), "birth_date")
        )
    elif claim.relationship in (Relationship.PARENT, Relationship.GUARDIAN):
        if _age_on(claim.birth_date, today) >= ADULT_AGE:
            errors.append(_adult_needs_own_account())
    elif claim.relationship != Relationship.SELF:
        errors.append(FieldError("relationship", _("Choose a relationship."), "invalid"))
    if errors:
        raise InvalidInput(*errors)
    return _CleanClaim(document, name, claim.birth_date, claim.relationship)


def _adult_needs_own_account() -> FieldError:
    return FieldError(
        "relationship",
        _(
            "An adult family member registers themself and then gives you access "
            "from their own account."
        ),
        "consent_required",
    )


@transaction.atomic
def _open_claim(claim: _CleanClaim, actor: Actor) -> ClaimAnswer:
    now = clock.now()
    patient = _record_matching(claim)
    code = _new_code()
    account = MobileAccount.objects.get(pk=actor.account_id)
    record_claim = RecordClaim.objects.create(
        account=account,
        patient=patient,
        relationship=claim.relationship,
        code_hash=_code_digest(account.phone, code),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.ONETRIP_OTP["ttl_seconds"]),
    )
    audit.record(
        actor,
        AuditAction.SEARCH,
        RecordClaim,
        patient_id=patient.pk if patient else None,
        summary=f"record claim {'matched' if patient else 'matched nothing'}",
        changes={"document": mask_document_number(claim.document.number)},
    )
    if patient is None:
        return ClaimAnswer(sent_to=_decoy_phone_hint(claim))
    notifications.notify(
        "record_claim_code",
        phone=patient.phone,
        subject=record_claim,
        params={"code": code, "minutes": str(settings.ONETRIP_OTP["ttl_seconds"] // 60)},
    )
    return ClaimAnswer(sent_to=mask_phone(patient.phone))


def _record_matching(claim: _CleanClaim) -> Patient | None:
    found = (
        IdentityDocument.objects.select_related("patient")
        .filter(
            doc_type=claim.document.doc_type,
            number=claim.document.number,
            is_guardian_document=False,
        )
        .first()
    )
    if found is None:
        return None
    patient = found.patient
    if patient.birth_date != claim.birth_date or normalise_text(patient.name) != claim.name:
        return None
    return patient


# Mainland mobile prefixes a made-up hint starts with, so it looks like any other.
_DECOY_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "182",
    "186",
    "187",
    "188",
    "189",
    "199",
)


def _decoy_phone_hint(claim: _CleanClaim) -> str:
    seed = hmac.new(
        settings.SECRET_KEY.encode(),
        f"claim-decoy:{claim.document.doc_type}:{claim.document.number}:{claim.name}:"
        f"{claim.birth_date.isoformat()}".encode(),
        "sha256",
    ).digest()
    prefix = _DECOY_PREFIXES[seed[0] % len(_DECOY_PREFIXES)]
    last_four = f"{int.from_bytes(seed[1:4], 'big') % 10000:04d}"
    return mask_phone(f"{prefix}0000{last_four}")


def confirm_record_claim(code: str, *, actor: Actor) -> Patient:
    """The code from the phone on file links the claimed record to the account (D56). Wrong
    codes are counted per claim and per account; a claim that matched nothing never confirms."""
    if actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(_("Only a patient's own account can do this."))
    code = code.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidInput.field("code", _("Enter the six-digit code."), "format")
    account_key = str(actor.account_id)
    limits.check("record_claim_guess_per_account", account_key, message=TOO_MANY_GUESSES_MESSAGE)
    patient = _redeem_claim(code, actor)
    if patient is None:
        limits.spend(
            "record_claim_guess_per_account", account_key, message=TOO_MANY_GUESSES_MESSAGE
        )
        raise InvalidInput.field("code", WRONG_CODE_MESSAGE, "wrong_code")
    return patient


def _redeem_claim(code: str, actor: Actor) -> Patient | None:
    # As for sign-in codes: the counted attempt commits even when the answer is a refusal.
    with transaction.atomic():
        now = clock.now()
        claim = (
            RecordClaim.objects.select_for_update(no_key=True)
            .select_related("account")
            .filter(
                account_id=actor.account_id,
                confirmed_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=settings.ONETRIP_OTP["max_attempts"],
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if claim is None:
            return None
        right = hmac.compare_digest(claim.code_hash, _code_digest(claim.account.phone, code))
        if not right or claim.patient_id is None:
            RecordClaim.objects.filter(pk=claim.pk).update(attempts=F("attempts") + 1)
            return None
        claim.confirmed_at = now
        claim.save(update_fields=["confirmed_at"])
        return _grant_claimed_record(claim, actor, now)


def _grant_claimed_record(claim: RecordClaim, actor: Actor, now: dt.datetime) -> Patient:
    patient = Patient.objects.get(pk=claim.patient_id)
    if ProxyGrant.objects.filter(
        patient=patient, account_id=actor.account_id, revoked_at__isnull=True
    ).exists():
        return patient
    is_self = claim.relationship == Relationship.SELF
    ProxyGrant.objects.create(
        patient=patient,
        account_id=actor.account_id,
        relationship=claim.relationship,
        basis=ConsentBasis.OWN_RECORD if is_self else ConsentBasis.GUARDIAN_OF_MINOR,
        granted_at=now,
        granted_by=actor.label,
    )
    audit.record(
        actor,
        AuditAction.GRANT,
        patient,
        patient_id=patient.pk,
        summary="record claimed with a code sent to the mobile number on file",
    )
    return patient


@dataclass(frozen=True)
class SelfRegistration:
    """What a patient's own registration did: created a record, or (its document being on file
    already) opened a claim on that record. Interfaces answer both alike (D56)."""

    patient: Patient | None
    claim: ClaimAnswer | None


def register_for_account(registration: PatientRegistration, *, actor: Actor) -> SelfRegistration:
    """A signed-in account registers its holder or a minor child. A document already on file is
    not reported as such (that would confirm someone's identity number to whoever types it):
    the registration becomes a claim on that record, proven by a code to the phone on file."""
    if actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(_("Only a patient's own account can do this."))
    cleaned = _clean_registration(registration, actor)
    limits.spend("identity_claim_per_account", str(actor.account_id), message=CLAIM_LIMIT_MESSAGE)
    on_file = _already_registered(cleaned.documents)
    if not on_file:
        try:
            return SelfRegistration(patient=_create_patient(cleaned, actor), claim=None)
        except IntegrityError:  # registered by someone else a moment ago
            on_file = _already_registered(cleaned.documents)
            if not on_file:
                raise
    claim = _CleanClaim(on_file[0], cleaned.name, cleaned.birth_date, cleaned.relationship)
    return SelfRegistration(patient=None, claim=_open_claim(claim, actor))


# --- the e-health card as the visit code (R-ID-4) ---------------------------------------------


@dataclass(frozen=True)
class HealthCard:
    patient: Patient
    card_id: str
    qr_payload: str  # what desks and kiosks scan: card ID, card type, valid-until (D79)


E_HEALTH_CARD_TYPE = "1"  # a resident's own card


def health_card_id(resident_id_number: str) -> str:
    """The card ID the (sandbox) provincial e-health card platform issues for a resident ID: a
    keyed digest, so the same person always gets the same card and the ID reveals nothing."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"ehc:{resident_id_number}".encode(), hashlib.sha256
    )
    return digest.hexdigest().upper()


def health_cards_of_account(*, actor: Actor) -> list[HealthCard]:
    """The e-health card of each patient the account acts for, issued on first sight (from the
    resident ID card on record; a patient without one has no card yet). The QR code is valid to
    the end of the day, like the platform's refreshing codes; the insurance identity is reached
    through the same card, whose holder's resident ID is the insurance certificate number."""
    today = clock.today()
    cards = []
    for patient in accessible_patients(actor).order_by("pk"):
        card = _card_of(patient, actor)
        if card is not None:
            cards.append(
                HealthCard(patient, card, f"{card}:{E_HEALTH_CARD_TYPE}:{today:%Y%m%d}235959")
            )
    return cards


def _card_of(patient: Patient, actor: Actor) -> str | None:
    documents = {d.doc_type: d for d in patient.documents.all() if not d.is_guardian_document}
    if DocumentType.E_HEALTH_CARD in documents:
        return documents[DocumentType.E_HEALTH_CARD].number
    resident = documents.get(DocumentType.RESIDENT_ID)
    if resident is None:
        return None
    card_id = health_card_id(resident.number)
    try:
        add_document(patient.pk, DocumentInput(DocumentType.E_HEALTH_CARD, card_id), actor=actor)
    except InvalidInput:
        return None  # the card is on another record: the duplicate review decides, not us
    return card_id


# --- the face check (刷脸, R-ID-3) -----------------------------------------------------------


@transaction.atomic
def start_face_check(patient_id: int, *, purpose: str, redirect_url: str, actor: Actor) -> str:
    """Start a face check of the patient against their resident ID with the configured service;
    the URL the person is filmed at (the service sends them back to `redirect_url`)."""
    if purpose not in FaceCheckPurpose.values:
        raise InvalidInput.field("purpose", _("Choose what the face check is for."))
    patient = _get_accessible(patient_id, actor)
    resident = patient.documents.filter(
        doc_type=DocumentType.RESIDENT_ID, is_guardian_document=False
    ).first()
    if resident is None:
        raise InvalidInput.field(
            "patient",
            _("A face check needs the patient's own resident identity card on record."),
            "no_resident_id",
        )
    started = face.verifier().start(
        name=patient.name, id_number=resident.number, redirect_url=redirect_url
    )
    check = FaceCheck.objects.create(
        patient=patient, purpose=purpose, biz_token=started.token, started_at=clock.now()
    )
    audit.record(
        actor, AuditAction.CREATE, check, patient_id=patient.pk, summary=f"face check: {purpose}"
    )
    return started.url


@transaction.atomic
def finish_face_check(biz_token: str, *, actor: Actor) -> FaceCheck:
    """Ask the service for the result of a check the person came back from; a repeated call
    answers with the recorded result."""
    check = (
        FaceCheck.objects.select_for_update(no_key=True)
        .filter(biz_token=biz_token, patient__in=accessible_patients(actor))
        .first()
    )
    if check is None:
        raise NotFound(_("No such face check."))
    if check.status != FaceCheckStatus.PENDING:
        return check
    result = face.verifier().result(biz_token)
    if not result.finished:
        return check
    check.status = FaceCheckStatus.PASSED if result.passed else FaceCheckStatus.FAILED
    check.similarity = result.similarity
    check.finished_at = clock.now()
    check.save(update_fields=["status", "similarity", "finished_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        check,
        patient_id=check.patient_id,
        summary=f"face check {check.status} (code {result.code})",
        changes={"similarity": str(result.similarity)},
    )
    return check


def face_checked_today(patient_id: int) -> bool:
    return FaceCheck.objects.filter(
        patient_id=patient_id,
        status=FaceCheckStatus.PASSED,
        finished_at__gte=clock.now().replace(hour=0, minute=0, second=0, microsecond=0),
    ).exists()
