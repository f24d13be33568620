"""FHIR R4 reads of reports at the FHIR base: `DiagnosticReport` read and search by patient,
`Observation` read (R-EXAM-4, R-EXAM-5). Callers are staff (session) or an institution's system
(`X-Api-Key`); what they see is `services.visible_reports`. Refusals are OperationOutcomes."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.core.errors import NotFound
from onetrip.core.fhir_http import (
    READ,
    BadRequest,
    fhir_response,
    fhir_view,
    parse_count,
)
from onetrip.reports import fhir, services
from onetrip.reports.models import Observation
from onetrip.web.auth import fhir_caller

_ID = re.compile(r"[0-9]{1,18}")
SEARCH_PARAMETERS = frozenset({"patient", "subject", "_count", "_format"})


def _id(raw: str, message) -> int:
    if not _ID.fullmatch(raw):
        raise NotFound(message)
    return int(raw)


@fhir_view(READ)
def diagnostic_report_read(request: HttpRequest, report_id: str) -> HttpResponse:
    actor = fhir_caller(request)
    report = services.view_report(_id(report_id, gettext_lazy("No such report.")), actor=actor)
    return fhir_response(fhir.diagnostic_report(report))


@fhir_view(READ)
def observation_read(request: HttpRequest, observation_id: str) -> HttpResponse:
    actor = fhir_caller(request)
    pk = _id(observation_id, gettext_lazy("No such observation."))
    item = Observation.objects.filter(pk=pk).only("report_id").first()
    if item is None:
        raise NotFound(gettext_lazy("No such observation."))
    report = services.view_report(item.report_id, actor=actor)
    observation = next(o for o in report.observations.all() if o.pk == pk)
    return fhir_response(fhir.observation(observation, report))


@fhir_view(READ)
def diagnostic_report_search(request: HttpRequest) -> HttpResponse:
    actor = fhir_caller(request)
    unknown = sorted(set(request.GET) - SEARCH_PARAMETERS)
    if unknown:
        raise BadRequest(
            _("Unsupported search parameter: %(names)s. Search by patient.")
            % {"names": ", ".join(unknown)},
            code="invalid_parameter",
        )
    reference = request.GET.get("patient") or request.GET.get("subject") or ""
    patient_id = reference.removeprefix("Patient/")
    if not _ID.fullmatch(patient_id):
        raise BadRequest(_("Give the patient, e.g. patient=Patient/123."), code="patient_required")
    count = parse_count(request.GET)
    reports = list(
        services.visible_reports(actor)
        .filter(patient_id=int(patient_id))
        .select_related("performing_institution")
        .prefetch_related("observations")
        .order_by("-issued_at", "-id")[:count]
    )
    base_url = request.build_absolute_uri(reverse("reports-fhir-search")).removesuffix(
        "/DiagnosticReport"
    )
    return fhir_response(
        fhir.searchset(reports, base_url=base_url, self_url=request.build_absolute_uri())
    )
