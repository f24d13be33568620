"""FHIR R4 views of reports (R-EXAM-4): `DiagnosticReport` and its `Observation`s, as JSON-ready
dicts. Pure mapping: the interface decides who may see the report and writes the audit row.

Codes keep the system they came with (LOINC, or the hospital's local code system); HL7 abnormal
flags map one-to-one onto v3 ObservationInterpretation codes (N, L, H, LL, HH, A, AA).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from onetrip.reports.models import Observation, Report
from onetrip.reports.results import ReportKind

PLACER_SYSTEM = "https://onetrip.example/fhir/sid/exam-order"
FILLER_SYSTEM = "https://onetrip.example/fhir/sid/report-number"
SECTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0074"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

SECTIONS = {ReportKind.LAB: ("LAB", "Laboratory"), ReportKind.IMAGING: ("RAD", "Radiology")}
CATEGORIES = {ReportKind.LAB: "laboratory", ReportKind.IMAGING: "imaging"}
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[-~–]\s*(-?\d+(?:\.\d+)?)\s*$")


def diagnostic_report(report: Report) -> dict[str, Any]:
    section, section_name = SECTIONS[report.kind]
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": str(report.pk),
        "meta": {"versionId": str(report.version), "lastUpdated": report.received_at.isoformat()},
        "identifier": _identifiers(report),
        "basedOn": [
            {
                "type": "ServiceRequest",
                "identifier": {"system": PLACER_SYSTEM, "value": report.placer_number},
            }
        ],
        "status": report.status,
        "category": [
            {"coding": [{"system": SECTION_SYSTEM, "code": section, "display": section_name}]}
        ],
        "code": _concept(report.service_system, report.service_code, report.service_name),
        "subject": {"reference": f"Patient/{report.patient_id}"},
        "effectiveDateTime": report.issued_at.isoformat(),
        "issued": report.issued_at.isoformat(),
        "result": [
            {"reference": f"Observation/{o.pk}", "display": o.display or o.code}
            for o in report.observations.all()
        ],
    }
    if report.performing_institution_id:
        resource["performer"] = [
            {
                "reference": f"Organization/{report.performing_institution_id}",
                "display": report.performing_institution.name,
            }
        ]
    if report.conclusion:
        resource["conclusion"] = report.conclusion
    return resource


def _identifiers(report: Report) -> list[dict[str, str]]:
    identifiers = [{"use": "usual", "system": PLACER_SYSTEM, "value": report.placer_number}]
    if report.filler_number:
        identifiers.append(
            {"use": "official", "system": FILLER_SYSTEM, "value": report.filler_number}
        )
    return identifiers


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


def observation(item: Observation, report: Report) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(item.pk),
        "status": report.status,
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": CATEGORIES[report.kind]}]}],
        "code": _concept(item.code_system, item.code, item.display),
        "subject": {"reference": f"Patient/{report.patient_id}"},
        "effectiveDateTime": report.issued_at.isoformat(),
        "issued": report.issued_at.isoformat(),
        "derivedFrom": [{"reference": f"DiagnosticReport/{report.pk}"}],
    }
    if item.numeric_value is not None:
        resource["valueQuantity"] = _quantity(item.numeric_value, item.unit)
    else:
        resource["valueString"] = item.value
    if item.abnormal_flag:
        resource["interpretation"] = [
            {
                "coding": [
                    {
                        "system": INTERPRETATION_SYSTEM,
                        "code": item.abnormal_flag,
                        "display": str(item.get_abnormal_flag_display()),
                    }
                ]
            }
        ]
    if item.reference_range:
        resource["referenceRange"] = [_reference_range(item)]
    return resource


def _quantity(value: Decimal, unit: str) -> dict[str, Any]:
    # The unit as the sender wrote it: local units (个/HP) are not UCUM, so no system is claimed.
    return {"value": _number(value), "unit": unit} if unit else {"value": _number(value)}


def _number(value: Decimal) -> int | float:
    # JSON numbers, not strings; the stored precision (6 places) fits a double exactly enough.
    normalised = value.normalize()
    return int(normalised) if normalised == normalised.to_integral_value() else float(normalised)


def _reference_range(item: Observation) -> dict[str, Any]:
    reference: dict[str, Any] = {"text": item.reference_range}
    bounds = _RANGE.match(item.reference_range)
    if bounds and item.numeric_value is not None:
        for key, text in zip(("low", "high"), bounds.groups(), strict=True):
            reference[key] = _quantity(Decimal(text), item.unit)
    return reference


def searchset(reports: list[Report], *, base_url: str, self_url: str) -> dict[str, Any]:
    """The matching reports, each followed by its observations (search mode `include`)."""
    entries: list[dict[str, Any]] = []
    for report in reports:
        entries.append(
            {
                "fullUrl": f"{base_url}/DiagnosticReport/{report.pk}",
                "resource": diagnostic_report(report),
                "search": {"mode": "match"},
            }
        )
        entries.extend(
            {
                "fullUrl": f"{base_url}/Observation/{item.pk}",
                "resource": observation(item, report),
                "search": {"mode": "include"},
            }
            for item in report.observations.all()
        )
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(reports),
        "link": [{"relation": "self", "url": self_url}],
        "entry": entries,
    }
