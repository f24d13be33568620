"""FHIR R4 views of the shared slot pool: `Schedule`, `Slot` and `Appointment` as JSON-ready dicts.

Pure mapping, no database writes. One `Schedule` per doctor (its id is the doctor's), whose
`planningHorizon` spans the doctor's generated sessions still to come; a `Slot` is one
minute-precise time of a clinic session and is `free` while a unit of it is open to the caller's
booking channel (the pools are OneTrip's, so the count is in an extension); an `Appointment` is
one booking, with the booking number as its identifier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.consortium.models import Department, Doctor
from onetrip.core import clock
from onetrip.scheduling.models import Appointment, AppointmentStatus, ClinicSession, SessionStatus
from onetrip.scheduling.queries import visit_window
from onetrip.scheduling.services.availability import SlotView

STRUCTURE_BASE = "https://onetrip.example/fhir/StructureDefinition/"
HELD_UNTIL_EXTENSION = f"{STRUCTURE_BASE}held-until"
REMAINING_EXTENSION = f"{STRUCTURE_BASE}slot-remaining"
CHANNEL_EXTENSION = f"{STRUCTURE_BASE}booking-channel"
BOOKING_NUMBER_SYSTEM = "https://onetrip.example/fhir/sid/booking-number"
# Department codes are shared across the consortium ("IM" is internal medicine everywhere), so
# they serve as the specialty code system.
DEPARTMENT_SYSTEM = "https://onetrip.example/fhir/CodeSystem/department"
STATUS_SYSTEM = "https://onetrip.example/fhir/CodeSystem/appointment-status"

FHIR_STATUS = {
    AppointmentStatus.HELD: "pending",
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CHECKED_IN: "arrived",
    AppointmentStatus.CALLED: "arrived",
    AppointmentStatus.IN_CONSULTATION: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.EXPIRED: "cancelled",
    AppointmentStatus.CLINIC_STOPPED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}


def instant(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def specialty(department: Department) -> dict[str, Any]:
    return {
        "coding": [{"system": DEPARTMENT_SYSTEM, "code": department.code}],
        "text": department.name,
    }


def practitioner(doctor: Doctor) -> dict[str, Any]:
    # No Practitioner endpoint yet: the reference names the doctor and carries the display.
    return {"reference": f"Practitioner/{doctor.pk}", "display": doctor.name}


# --- Schedule -------------------------------------------------------------------------------


def schedule_resource(doctor: Doctor, upcoming: list[ClinicSession]) -> dict[str, Any]:
    """The doctor's `Schedule`; `upcoming` are their sessions not yet over, in time order."""
    department = doctor.department
    resource: dict[str, Any] = {
        "resourceType": "Schedule",
        "id": str(doctor.pk),
        "active": bool(upcoming),
        "specialty": [specialty(department)],
        "actor": [practitioner(doctor)],
        "comment": f"{doctor.name} · {department.name} · {department.institution.name}",
    }
    if upcoming:
        resource["planningHorizon"] = {
            "start": instant(upcoming[0].starts_at),
            "end": instant(max(s.ends_at for s in upcoming)),
        }
    return resource


# --- Slot -----------------------------------------------------------------------------------


def slot_status(session: ClinicSession, view: SlotView) -> str:
    if session.status == SessionStatus.STOPPED:
        return "busy-unavailable"
    return "free" if view.remaining > 0 else "busy"


def slot_resource(session: ClinicSession, view: SlotView, *, channel: str) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": str(view.slot_id),
        "extension": [
            {"url": CHANNEL_EXTENSION, "valueCode": channel},
            {"url": REMAINING_EXTENSION, "valueUnsignedInt": view.remaining},
        ],
        "specialty": [specialty(session.department)],
        "schedule": {"reference": f"Schedule/{session.doctor_id}"},
        "status": slot_status(session, view),
        "start": instant(view.starts_at),
        "end": instant(view.ends_at),
    }


# --- Appointment ----------------------------------------------------------------------------


def appointment_resource(appointment: Appointment) -> dict[str, Any]:
    """A booking; expects `queries.with_details` to have loaded its slot and session."""
    session = appointment.session
    slot = appointment.slot
    resource: dict[str, Any] = {"resourceType": "Appointment", "id": str(appointment.pk)}
    if appointment.status == AppointmentStatus.HELD:
        resource["extension"] = [
            {"url": HELD_UNTIL_EXTENSION, "valueDateTime": instant(appointment.held_until)}
        ]
    resource["identifier"] = [
        {"system": BOOKING_NUMBER_SYSTEM, "value": appointment.booking_number}
    ]
    resource["status"] = FHIR_STATUS[appointment.status]
    if resource["status"] == "cancelled":
        resource["cancelationReason"] = {
            "coding": [{"system": STATUS_SYSTEM, "code": appointment.status}],
            "text": appointment.get_status_display(),
        }
    resource |= {
        "specialty": [specialty(session.department)],
        "priority": appointment.priority,
        "start": instant(slot.starts_at),
        "end": instant(slot.ends_at),
        "created": instant(appointment.booked_at),
        "slot": [{"reference": f"Slot/{slot.pk}"}],
        "patientInstruction": _("Arrive %(window)s; booking number %(number)s.")
        % {
            "window": visit_window(slot.starts_at, slot.ends_at),
            "number": appointment.booking_number,
        },
        "participant": [
            {
                "actor": {"reference": f"Patient/{appointment.patient_id}"},
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": practitioner(session.substitute or session.doctor),
                "required": "required",
                "status": "accepted",
            },
        ],
    }
    return resource


def proposed_appointment(session: ClinicSession, view: SlotView) -> dict[str, Any]:
    """A free time `$find` offers: book it with `$hold` or `$book` and its slot."""
    return {
        "resourceType": "Appointment",
        "status": "proposed",
        "specialty": [specialty(session.department)],
        "start": instant(view.starts_at),
        "end": instant(view.ends_at),
        "slot": [{"reference": f"Slot/{view.slot_id}"}],
        "participant": [
            {
                "actor": practitioner(session.substitute or session.doctor),
                "required": "required",
                "status": "needs-action",
            }
        ],
    }


# --- Bundle ---------------------------------------------------------------------------------


def searchset(
    resources: Iterable[dict[str, Any]],
    *,
    base_url: str,
    self_url: str,
    total: int | None = None,
) -> dict[str, Any]:
    """A `searchset` Bundle; `base_url` is the FHIR base, for the entries' fullUrls. Resources
    without an id (proposals) have no fullUrl."""
    base = base_url.rstrip("/")
    entries = []
    for resource in resources:
        entry: dict[str, Any] = {"resource": resource, "search": {"mode": "match"}}
        if "id" in resource:
            entry = {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}"} | entry
        entries.append(entry)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(clock.now()),
    }
    if total is not None:
        bundle["total"] = total
    bundle["link"] = [{"relation": "self", "url": self_url}]
    if entries:
        bundle["entry"] = entries
    return bundle
