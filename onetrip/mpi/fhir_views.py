"""FHIR R4 `Patient/$match` (R-ID-2): the master patient index's candidates for a Patient
resource, as a searchset Bundle with `search.score` and the `match-grade` extension.

Staff who may register patients or review duplicates; results are limited to the patients the
caller may read (as FHIR search is), masked as `patient_resource` masks; one audit row per call.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from fhir.resources.R4B.parameters import Parameters
from pydantic import ValidationError

from onetrip.core import clock
from onetrip.core.actors import Actor, Channel, staff_actor
from onetrip.core.errors import FieldError, InvalidInput, PermissionDenied
from onetrip.core.fhir_http import OPERATION, BadRequest, fhir_response, fhir_view
from onetrip.identity.documents import normalise_mobile, validate_document
from onetrip.identity.fhir import DOC_TYPE_BY_SYSTEM, patient_resource
from onetrip.mpi import matching, services
from onetrip.mpi.matching import Features

MATCH_GRADE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/match-grade"
DEFAULT_MATCH_COUNT = 10
MAX_MATCH_COUNT = 50


def _match_actor(request: HttpRequest) -> Actor:
    actor = staff_actor(request, channel=Channel.API)
    if not (actor.has_perm("identity.add_patient") or actor.has_perm(services.REVIEW_PERMISSION)):
        raise PermissionDenied(_("Your role does not allow this."))
    return actor


@fhir_view(OPERATION)
def patient_match(request: HttpRequest) -> HttpResponse:
    actor = _match_actor(request)
    resource, only_certain, count = _parse_parameters(request.body)
    features = _features_of(resource)
    policy = services.thresholds()
    matches = services.match_patients(
        features, only_certain=only_certain, count=count, limit=MAX_MATCH_COUNT, actor=actor
    )
    base = request.build_absolute_uri(reverse("fhir:patient-search")).removesuffix("/Patient")
    entries = [
        {
            "fullUrl": f"{base}/Patient/{m.patient.pk}",
            "resource": patient_resource(m.patient, actor=actor),
            "search": {
                "extension": [
                    {"url": MATCH_GRADE_EXTENSION, "valueCode": m.comparison.grade(policy).value}
                ],
                "mode": "match",
                "score": m.comparison.probability(policy),
            },
        }
        for m in matches
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": clock.now().isoformat(),
        "total": len(entries),
    }
    if entries:
        bundle["entry"] = entries
    return fhir_response(bundle)


def _parse_parameters(body: bytes) -> tuple[Any, bool, int]:
    try:
        parameters = Parameters.model_validate(json.loads(body or b"null"))
    except ValidationError as exc:
        if any(isinstance(part, int) for error in exc.errors() for part in error["loc"]):
            # Inside a parameter: name the element as FHIRPath does, e.g.
            # Parameters.parameter[0].resource.birthDate.
            raise InvalidInput(
                *(
                    FieldError(_fhir_path(error["loc"]), _("This value is not valid."))
                    for error in exc.errors()
                )
            ) from None
        raise BadRequest(
            _("Send a FHIR Parameters resource with a Patient in the “resource” parameter."),
            code="invalid_parameters",
        ) from None
    except ValueError:
        raise BadRequest(
            _("Send a FHIR Parameters resource with a Patient in the “resource” parameter."),
            code="invalid_parameters",
        ) from None
    resource, only_certain, count = None, False, DEFAULT_MATCH_COUNT
    for parameter in parameters.parameter or []:
        if parameter.name == "resource":
            resource = parameter.resource
        elif parameter.name == "onlyCertainMatches":
            only_certain = bool(parameter.valueBoolean)
        elif parameter.name == "count" and parameter.valueInteger is not None:
            count = max(1, min(parameter.valueInteger, MAX_MATCH_COUNT))
    if resource is None or resource.get_resource_type() != "Patient":
        raise BadRequest(
            _("Send a FHIR Parameters resource with a Patient in the “resource” parameter."),
            code="invalid_parameters",
        )
    return resource, only_certain, count


def _fhir_path(loc: tuple) -> str:
    return "Parameters" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _features_of(resource: Any) -> Features:
    name = _name_of(resource)
    if not name:
        raise InvalidInput.field("Patient.name", _("Give the patient's name."), "required")
    phone = ""
    for telecom in resource.telecom or []:
        if telecom.system == "phone" and telecom.value:
            with contextlib.suppress(InvalidInput):
                phone = normalise_mobile(telecom.value)
    documents = []
    for identifier in resource.identifier or []:
        doc_type = DOC_TYPE_BY_SYSTEM.get(identifier.system or "")
        if doc_type and identifier.value:
            with contextlib.suppress(InvalidInput):
                documents.append((doc_type, validate_document(doc_type, identifier.value).number))
    address = (resource.address[0].text or "") if resource.address else ""
    return matching.features(
        0,
        name=name,
        birth_date=resource.birthDate,  # may be missing: a level of its own, weighing nothing
        sex=resource.gender or "",
        phone=phone,
        address=address,
        documents=documents,
    )


def _name_of(resource: Any) -> str:
    for name in resource.name or []:
        if name.text:
            return " ".join(name.text.split())
        family, given = name.family or "", " ".join(name.given or [])
        if family or given:
            if matching.features(0, name=family + given, birth_date="19000101", sex="").is_latin:
                return f"{given} {family}".strip()
            return family + given
    return ""
