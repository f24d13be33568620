"""FHIR R4 `Patient` read and search for staff systems, at /fhir/Patient.

Session-authenticated staff only, scoped to the patients of the caller's institution. A read goes
through `services.view_patient` (which writes the audit row); a search writes one audit row with
the identifiers masked. Every refusal is an `OperationOutcome`, never an HTML page or a 500.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.core.actors import Actor, Channel, staff_actor
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.fhir_http import (
    READ,
    BadRequest,
    fhir_response,
    fhir_view,
    parse_count,
    require_json_format,
)
from onetrip.core.masking import mask_document_number
from onetrip.identity import services
from onetrip.identity.documents import DocumentType, validate_document
from onetrip.identity.fhir import DOC_TYPE_BY_SYSTEM, patient_resource, searchset_bundle
from onetrip.identity.models import IdentityDocument

SEARCH_PARAMETERS = ("identifier", "name")
# Identifier systems another app answers for (the master patient index's source systems): a
# resolver gives the condition on patients for (system, value), or None when not its system.
IdentifierResolver = Callable[[str, str], Q | None]
_identifier_resolvers: list[IdentifierResolver] = []


def when_resolving_identifier(resolver: IdentifierResolver) -> None:
    if resolver not in _identifier_resolvers:
        _identifier_resolvers.append(resolver)


# Logical ids are the database keys; anything else cannot name a patient.
_PATIENT_ID = re.compile(r"[0-9]{1,18}")


def _api_staff(request: HttpRequest) -> Actor:
    actor = staff_actor(request, channel=Channel.API)
    actor.require_perm("identity.view_patient")
    require_json_format(request.GET)
    return actor


# --- read -----------------------------------------------------------------------------------


@fhir_view(READ)
def patient_read(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = _api_staff(request)
    if not _PATIENT_ID.fullmatch(patient_id):
        raise NotFound(gettext_lazy("No such patient."))
    patient = services.view_patient(int(patient_id), actor=actor)
    return fhir_response(patient_resource(patient, actor=actor))


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifierToken:
    system: str | None  # None: any system
    typed: str  # the value as given, unescaped: other systems' ids are matched exactly

    @property
    def value(self) -> str:
        """As documents are stored: full-width to ASCII, no spaces, upper case."""
        return _normalise_number(self.typed)

    def masked(self) -> str:
        value = mask_document_number(self.value)
        return value if self.system is None else f"{self.system}|{value}"

    def to_query(self) -> str:
        value = _escape(self.typed)
        return value if self.system is None else f"{_escape(self.system)}|{value}"


@dataclass(frozen=True)
class PatientSearch:
    # Each inner tuple is one parameter occurrence; its items are alternatives (comma = OR) and
    # repeated parameters must all match (AND), as FHIR search defines.
    identifiers: tuple[tuple[IdentifierToken, ...], ...]
    names: tuple[tuple[str, ...], ...]
    count: int

    def condition(self) -> Q:
        condition = Q()
        for alternatives in self.identifiers:
            condition &= _any_of(_identifier_condition(token) for token in alternatives)
        for alternatives in self.names:
            condition &= _any_of(Q(name__istartswith=name) for name in alternatives)
        return condition

    def query_string(self) -> str:
        pairs = [("identifier", ",".join(t.to_query() for t in alt)) for alt in self.identifiers]
        pairs += [("name", ",".join(_escape(n) for n in alt)) for alt in self.names]
        pairs.append(("_count", str(self.count)))
        return urlencode(pairs, safe="|,")

    def audit_changes(self) -> dict[str, Any]:
        # The audit trail must not become a second copy of identifiers.
        changes: dict[str, Any] = {}
        if self.identifiers:
            changes["identifier"] = [[t.masked() for t in alt] for alt in self.identifiers]
        if self.names:
            changes["name"] = [[_mask_if_number(n) for n in alt] for alt in self.names]
        return changes


def _any_of(conditions: Any) -> Q:
    result = Q(pk__in=[])
    for condition in conditions:
        result |= condition
    return result


def _identifier_condition(token: IdentifierToken) -> Q:
    documents = IdentityDocument.objects.filter(
        patient=OuterRef("pk"),
        is_guardian_document=False,  # a guardian's document is not the patient's identifier
        number__in=_candidate_numbers(token),
    )
    if token.system is not None:
        doc_type = DOC_TYPE_BY_SYSTEM.get(token.system)
        if doc_type is None:
            for resolver in _identifier_resolvers:
                condition = resolver(token.system, token.typed)
                if condition is not None:
                    return condition
            return Q(pk__in=[])  # a system we do not issue identifiers in matches nothing
        documents = documents.filter(doc_type=doc_type)
    return Q(Exists(documents))


def _candidate_numbers(token: IdentifierToken) -> set[str]:
    """The stored forms the value may have: as typed (normalised), and as the document service
    would store it (an old 15-digit ID number becomes 18 digits; an e-health QR becomes its ID)."""
    candidates = {token.value}
    if token.system is None:
        doc_types = [DocumentType.RESIDENT_ID.value, DocumentType.E_HEALTH_CARD.value]
    else:
        doc_types = [DOC_TYPE_BY_SYSTEM[token.system]] if token.system in DOC_TYPE_BY_SYSTEM else []
    for doc_type in doc_types:
        if doc_type == DocumentType.PASSPORT.value:
            continue  # needs the issuing country, and is stored as typed anyway
        with contextlib.suppress(InvalidInput):  # not a valid number: only the typed form
            candidates.add(validate_document(doc_type, token.value).number)
    return candidates


def _mask_if_number(text: str) -> str:
    return mask_document_number(text) if any(ch.isdigit() for ch in text) else text


def _normalise_number(value: str) -> str:
    # As the document service normalises: full-width to ASCII, no spaces, upper case.
    text = unicodedata.normalize("NFKC", value)
    return "".join(text.split()).upper()


def _split_alternatives(raw: str, parameter: str) -> list[str]:
    if any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise BadRequest(
            _("The search parameter “%(name)s” has control characters.") % {"name": parameter},
            code="invalid_parameter",
        )
    values = [part.strip() for part in _split_escaped(raw, ",")]
    if not all(values):
        raise BadRequest(
            _("The search parameter “%(name)s” has an empty value.") % {"name": parameter},
            code="empty_parameter",
        )
    return values


def _split_escaped(text: str, separator: str, *, once: bool = False) -> list[str]:
    """Split at `separator` where it is not escaped; FHIR search writes a `,`, `|`, `$` or `\\`
    that belongs to a value as `\\,`, `\\|`, `\\$`, `\\\\`. Escapes stay for the next split."""
    parts, current, chars = [], "", iter(text)
    for ch in chars:
        if ch == "\\":
            current += ch + next(chars, "")
        elif ch == separator and not (once and parts):
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _escape(text: str) -> str:
    return re.sub(r"([\\,|$])", r"\\\1", text)


def _parse_identifier(text: str) -> IdentifierToken:
    system: str | None = None
    parts = _split_escaped(text, "|", once=True)
    if len(parts) == 2:
        system = _unescape(parts[0]).strip()
    typed = _unescape(parts[-1]).strip()
    if not _normalise_number(typed):
        raise BadRequest(
            _("Give an identifier value, e.g. identifier=system|number."),
            code="empty_parameter",
        )
    # "|value" asks for identifiers without a system; every identifier here has one, so the
    # search matches nothing, which an empty-string system does too.
    return IdentifierToken(system=system, typed=typed)


def parse_search(params: QueryDict) -> PatientSearch:
    unknown = sorted(
        key for key in params if key not in SEARCH_PARAMETERS and key not in ("_count", "_format")
    )
    if unknown:
        raise BadRequest(
            _("Unsupported search parameter: %(names)s. Search by identifier or name.")
            % {"names": ", ".join(unknown)},
            code="unsupported_parameter",
        )
    identifiers = tuple(
        tuple(_parse_identifier(v) for v in _split_alternatives(raw, "identifier"))
        for raw in params.getlist("identifier")
    )
    names = tuple(
        tuple(" ".join(_unescape(v).split()) for v in _split_alternatives(raw, "name"))
        for raw in params.getlist("name")
    )
    if not identifiers and not names:
        raise BadRequest(
            _("Search by identifier or name: at least one search parameter is required."),
            code="parameter_required",
        )
    return PatientSearch(identifiers=identifiers, names=names, count=parse_count(params))


@fhir_view(READ)
def patient_search(request: HttpRequest) -> HttpResponse:
    actor = _api_staff(request)
    search = parse_search(request.GET)
    page, total = services.find_patients(
        search.condition(), count=search.count, changes=search.audit_changes(), actor=actor
    )
    search_url = request.build_absolute_uri(reverse("fhir:patient-search"))
    bundle = searchset_bundle(
        page,
        actor=actor,
        base_url=search_url.removesuffix("/Patient"),
        self_url=f"{search_url}?{search.query_string()}",
        total=total,
    )
    return fhir_response(bundle)
