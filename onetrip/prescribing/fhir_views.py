"""FHIR R4 read of an e-prescription line at /fhir/MedicationRequest/<prescription>-<line>, for
staff of the prescribing institution (the read is audited by the service)."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import ActorKind
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.core.fhir_http import READ, fhir_response, fhir_view
from onetrip.prescribing import fhir
from onetrip.prescribing.services import prescriptions
from onetrip.web.auth import fhir_caller

_ID = re.compile(r"([0-9]{1,18})-([0-9]{1,18})")


@fhir_view(READ)
def medication_request_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    actor = fhir_caller(request)
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Sign in with a staff account."), code="not_staff")
    found = _ID.fullmatch(resource_id)
    if found is None:
        raise NotFound(_("No such resource."))
    prescription = prescriptions.prescription_for_staff(int(found.group(1)), actor=actor)
    line = prescription.lines.select_related("drug").filter(pk=int(found.group(2))).first()
    if line is None:
        raise NotFound(_("No such resource."))
    return fhir_response(fhir.medication_request(prescription, line))
