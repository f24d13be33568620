"""An e-prescription as FHIR R4 `MedicationRequest`s (pure mapping): one resource per line, id
"<prescription>-<line>", grouped by the prescription's reference (`groupIdentifier`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from onetrip.prescribing.models import Prescription, PrescriptionLine, PrescriptionStatus

SID = "https://onetrip.example/fhir/sid/"
CODE_SYSTEM = "https://onetrip.example/fhir/CodeSystem/"
ROUTE = {"oral": ("26643006", "Oral route"), "injection": ("78421000", "Intramuscular route")}

_STATUS = {
    PrescriptionStatus.IN_REVIEW: "draft",
    PrescriptionStatus.RETURNED: "on-hold",
    PrescriptionStatus.APPROVED: "active",
    PrescriptionStatus.PAID: "active",
}


def medication_request(prescription: Prescription, line: PrescriptionLine) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "text": f"{line.single_dose.normalize():f} {line.drug.unit} × {line.times_per_day}/d",
        "timing": {"repeat": {"frequency": line.times_per_day, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [
            {"doseQuantity": {"value": float(line.single_dose), "unit": line.drug.unit}}
        ],
    }
    if line.route in ROUTE:
        code, display = ROUTE[line.route]
        dosage["route"] = {
            "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
        }
    return {
        "resourceType": "MedicationRequest",
        "id": f"{prescription.pk}-{line.pk}",
        "status": _STATUS[PrescriptionStatus(prescription.status)],
        "intent": "order",
        "groupIdentifier": {"system": f"{SID}prescription", "value": prescription.reference},
        "medicationCodeableConcept": {
            "coding": [
                {"system": f"{CODE_SYSTEM}drug", "code": line.drug.code, "display": line.drug.name}
            ],
            "text": line.drug.name,
        },
        "subject": {"reference": f"Patient/{prescription.patient_id}"},
        "authoredOn": timezone.localtime(prescription.written_at).isoformat(),
        "requester": {"display": prescription.prescriber_label},
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10",
                        "code": prescription.diagnosis.condition_code,
                    }
                ],
                "text": prescription.diagnosis.condition_name,
            }
        ],
        "dosageInstruction": [dosage],
        "dispenseRequest": {
            "quantity": {"value": line.quantity, "unit": "pack"},
            "expectedSupplyDuration": {
                "value": prescription.days,
                "unit": "d",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
        },
    }
