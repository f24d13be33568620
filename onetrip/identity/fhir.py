"""FHIR R4 views of patients: a `Patient` resource and a `searchset` Bundle, as JSON-ready dicts.

Pure mapping, no database writes and no request: the interface decides who may see a patient and
writes the audit row. Identifier values and the phone are masked exactly as `present_patient`
masks them (R-ORG-3) unless the actor may see full identifiers.

A minor registered under a guardian's document has no identifier of their own here: the guardian's
document is not the patient's identifier, so it is shown on `contact[]` (with the relationship) as
a `use: secondary` identifier in an extension.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.masking import mask_phone
from onetrip.identity.documents import DocumentType
from onetrip.identity.models import IdentityDocument, Patient, Relationship
from onetrip.identity.presenters import present_document, sees_full_identifiers

# --- identifier systems ---------------------------------------------------------------------

# National health information OIDs (WS/T 500 and the resident e-health card scheme).
RESIDENT_ID_SYSTEM = "urn:oid:2.16.156.10011.1.3"  # 患者身份证号
E_HEALTH_CARD_SYSTEM = "urn:oid:2.16.156.10011.1.19"  # 居民电子健康卡
LOCAL_SYSTEM_BASE = "https://onetrip.example/fhir/sid/"


def _local_system(doc_type: str) -> str:
    return f"{LOCAL_SYSTEM_BASE}{doc_type}"


IDENTIFIER_SYSTEMS: dict[str, str] = {
    doc_type: _local_system(doc_type) for doc_type in DocumentType.values
} | {
    DocumentType.RESIDENT_ID.value: RESIDENT_ID_SYSTEM,
    DocumentType.E_HEALTH_CARD.value: E_HEALTH_CARD_SYSTEM,
}
DOC_TYPE_BY_SYSTEM: dict[str, str] = {system: dt for dt, system in IDENTIFIER_SYSTEMS.items()}

# WS 364.3 CV02.01.101 身份证件类别代码 (code system OID 2.16.156.10011.2.3.1.1).
ID_DOCUMENT_TYPE_SYSTEM = "urn:oid:2.16.156.10011.2.3.1.1"
ID_DOCUMENT_TYPE_OTHER = ("99", "其他法定有效证件")
ID_DOCUMENT_TYPE_CODES: dict[str, tuple[str, str]] = {
    DocumentType.RESIDENT_ID.value: ("01", "居民身份证"),
    DocumentType.HOUSEHOLD_REGISTER.value: ("02", "居民户口簿"),
    DocumentType.PASSPORT.value: ("03", "护照"),
}

# Extension carrying a guardian's document on `Patient.contact` (which has no identifier element).
GUARDIAN_IDENTIFIER_EXTENSION = (
    "https://onetrip.example/fhir/StructureDefinition/guardian-identifier"
)
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
GUARDIAN_ROLE_CODES: dict[str, tuple[str, str]] = {
    Relationship.PARENT.value: ("PRN", "parent"),
    Relationship.GUARDIAN.value: ("GUARD", "guardian"),
}
# Security label telling a client that identifier values were masked for this viewer.
SECURITY_MASKED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "MASKED",
    "display": "masked",
}

# Two-character compound surnames (复姓) commonly met; any other name's family is its first char.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "令狐",
        "宇文",
        "夏侯",
        "端木",
    }
)


def identifier_system(doc_type: str) -> str:
    return IDENTIFIER_SYSTEMS.get(doc_type, _local_system(doc_type))


# --- Patient --------------------------------------------------------------------------------


def patient_resource(patient: Patient, *, actor: Actor) -> dict[str, Any]:
    """The FHIR R4 `Patient` for `patient` as `actor` may see it."""
    full = sees_full_identifiers(actor)
    documents = list(patient.documents.all())
    meta: dict[str, Any] = {"lastUpdated": _instant(patient.updated_at)}
    if not full:
        meta["security"] = [dict(SECURITY_MASKED)]
    resource: dict[str, Any] = {"resourceType": "Patient", "id": str(patient.pk), "meta": meta}

    own = [_identifier(d, full=full) for d in documents if not d.is_guardian_document]
    if own:
        resource["identifier"] = own
    resource["name"] = [human_name(patient.name)]
    resource["telecom"] = [
        {
            "system": "phone",
            "value": patient.phone if full else mask_phone(patient.phone),
            "use": "mobile",
        }
    ]
    resource["gender"] = _gender(patient.sex)
    resource["birthDate"] = patient.birth_date.isoformat()
    if patient.address:
        resource["address"] = [{"text": patient.address}]
    contacts = [_guardian_contact(d, full=full) for d in documents if d.is_guardian_document]
    if contacts:
        resource["contact"] = contacts
    return resource


def _identifier(document: IdentityDocument, *, full: bool) -> dict[str, Any]:
    # The value comes from the presenter so FHIR never shows more than the pages and the API.
    shown = present_document(document, full=full)
    code, display = ID_DOCUMENT_TYPE_CODES.get(document.doc_type, ID_DOCUMENT_TYPE_OTHER)
    identifier: dict[str, Any] = {
        "use": "secondary" if document.is_guardian_document else "official",
        "type": {
            "coding": [{"system": ID_DOCUMENT_TYPE_SYSTEM, "code": code, "display": display}],
            "text": shown["doc_type_label"],
        },
        "system": identifier_system(document.doc_type),
        "value": shown["number"],
    }
    if document.expires_on is not None:
        identifier["period"] = {"end": document.expires_on.isoformat()}
    if document.issuing_country:
        identifier["assigner"] = {"display": document.issuing_country}
    return identifier


def _guardian_contact(document: IdentityDocument, *, full: bool) -> dict[str, Any]:
    relationship = document.guardian_relationship
    coding = []
    if relationship in GUARDIAN_ROLE_CODES:
        code, display = GUARDIAN_ROLE_CODES[relationship]
        coding.append({"system": ROLE_CODE_SYSTEM, "code": code, "display": display})
    try:
        label = str(Relationship(relationship).label)
    except ValueError:
        label = relationship
    concept: dict[str, Any] = {"text": label}
    if coding:
        concept["coding"] = coding
    return {
        "extension": [
            {
                "url": GUARDIAN_IDENTIFIER_EXTENSION,
                "valueIdentifier": _identifier(document, full=full),
            }
        ],
        "relationship": [concept],
    }


def human_name(name: str) -> dict[str, Any]:
    """`HumanName` with text, and a family/given split for a name written in Chinese characters."""
    result: dict[str, Any] = {"use": "official", "text": name}
    if len(name) >= 2 and all(_is_cjk(ch) for ch in name):
        surname_length = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
        result["family"] = name[:surname_length]
        result["given"] = [name[surname_length:]]
    return result


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F  # extension planes, for rare characters in names
    )


def _gender(sex: str) -> str:
    return sex if sex in ("male", "female") else "unknown"


def _instant(moment: Any) -> str:
    return timezone.localtime(moment).isoformat()


# --- Bundle ---------------------------------------------------------------------------------


def searchset_bundle(
    patients: Iterable[Patient],
    *,
    actor: Actor,
    base_url: str,
    self_url: str,
    total: int | None = None,
) -> dict[str, Any]:
    """A `searchset` Bundle of matches. `base_url` is the FHIR base (".../fhir"), for fullUrls."""
    base = base_url.rstrip("/")
    entries = [
        {
            "fullUrl": f"{base}/Patient/{patient.pk}",
            "resource": patient_resource(patient, actor=actor),
            "search": {"mode": "match"},
        }
        for patient in patients
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": _instant(clock.now()),
        "total": len(entries) if total is None else total,
        "link": [{"relation": "self", "url": self_url}],
    }
    if entries:
        bundle["entry"] = entries
    return bundle


# --- OperationOutcome -----------------------------------------------------------------------
