"""Every monitoring figure as JSON (R-KPI-1), and the periodic report as xlsx or PDF."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import paginate

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Id
from onetrip.metrics import export, services
from onetrip.metrics.definitions import METRICS, Metric
from onetrip.metrics.periods import month_of, parse_period

router = Router(tags=["metrics"], auth=StaffSession())


class IndicatorOut(Schema):
    code: str
    requirement: str
    name: str
    formula: str
    unit: str
    direction: str
    target: Decimal | None
    target_note: str
    numerator_source: str
    denominator_source: str
    scope: str
    seed: str
    available: bool


class FigureOut(IndicatorOut):
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    status: Literal["met", "missed", "no_target", "undefined", "no_data"]


class PointOut(Schema):
    period: str
    value: Decimal | None
    status: str
    numerator: int | None
    denominator: int | None


class BreakdownOut(Schema):
    label: str
    institution_id: int
    department_id: int | None
    value: Decimal | None
    status: str
    numerator: int | None
    denominator: int | None


class FigureDetailOut(Schema):
    institution_id: int
    department_id: int | None
    period: str
    figure: FigureOut
    trend: list[PointOut]
    breakdown: list[BreakdownOut]


class FiguresOut(Schema):
    institution_id: int
    department_id: int | None
    period: str
    figures: list[FigureOut]


class RecordOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime | None
    institution_id: int | None
    department_id: int | None
    patient_id: int | None
    summary: str


def indicator(metric: Metric) -> dict:
    return {
        "code": metric.code,
        "requirement": metric.requirement,
        "name": str(metric.name),
        "formula": str(metric.formula),
        "unit": metric.unit,
        "direction": metric.direction,
        "target": metric.target,
        "target_note": str(metric.target_note),
        "numerator_source": str(metric.numerator_source),
        "denominator_source": str(metric.denominator_source),
        "scope": str(metric.scope),
        "seed": metric.seed,
        "available": metric.available,
    }


def figure_out(figure: services.Figure) -> dict:
    return {
        **indicator(figure.metric),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": figure.value,
        "status": figure.status,
    }


def _scope_and_period(request, institution, department, period):
    resolved = services.resolve_scope(
        actor=api_staff_actor(request), institution_id=institution, department_id=department
    )
    return resolved, parse_period(period) if period else month_of(services.clock.today())


@router.get("/indicators", response=list[IndicatorOut])
def list_indicators(request: HttpRequest):
    api_staff_actor(request).require_perm(services.VIEW_PERM)
    return [indicator(metric) for metric in METRICS]


@router.get("/figures", response=FiguresOut)
def list_figures(
    request: HttpRequest,
    institution: Id | None = None,
    department: Id | None = None,
    period: str = "",
):
    resolved, found = _scope_and_period(request, institution, department, period)
    return {
        "institution_id": resolved.institution.pk,
        "department_id": department,
        "period": found.code,
        "figures": [figure_out(f) for f in services.figures(resolved.scope, found)],
    }


@router.get("/figures/{code}", response=FigureDetailOut)
def figure_detail(
    request: HttpRequest,
    code: str,
    institution: Id | None = None,
    department: Id | None = None,
    period: str = "",
):
    metric = services.metric_by_code(code)
    resolved, found = _scope_and_period(request, institution, department, period)
    with services.one_read():
        figures, trends = services.overview(resolved.scope, found)
    trend = trends[metric.code]
    current = next(f for f in figures if f.metric == metric)
    return {
        "institution_id": resolved.institution.pk,
        "department_id": department,
        "period": found.code,
        "figure": figure_out(current),
        "trend": [
            {
                "period": point.period.code,
                "value": point.figure.value,
                "status": point.figure.status,
                "numerator": point.figure.numerator,
                "denominator": point.figure.denominator,
            }
            for point in trend
        ],
        "breakdown": [
            {
                "label": row.label,
                "institution_id": row.institution_id,
                "department_id": row.department_id,
                "value": row.figure.value,
                "status": row.figure.status,
                "numerator": row.figure.numerator,
                "denominator": row.figure.denominator,
            }
            for row in services.breakdown(metric, resolved, found)
        ],
    }


# No `from __future__ import annotations` in this module: @paginate's wrapper resolves the
# view's annotations in ninja's module, where the bounded types of core.bounds are unknown.
@router.get("/figures/{code}/records", response=list[RecordOut])
@paginate
def figure_records(
    request: HttpRequest,
    code: str,
    part: str = "numerator",
    institution: Id | None = None,
    department: Id | None = None,
    period: str = "",
):
    metric = services.metric_by_code(code)
    resolved, found = _scope_and_period(request, institution, department, period)
    return services.record_summaries(
        services.records(metric, part, resolved, found, actor=api_staff_actor(request))
    )


@router.get("/report")
def periodic_report(
    request: HttpRequest,
    period: str,
    format: Literal["xlsx", "pdf"] = "xlsx",
    institution: Id | None = None,
):
    """The periodic report of the institution and those below it, as institutions submit it."""
    resolved, found = _scope_and_period(request, institution, None, period)
    with services.one_read():
        sections = services.periodic_report(resolved, found)
    name = f"indicators-{resolved.institution.code}-{found.code}.{format}"
    if format == "pdf":
        response = HttpResponse(export.to_pdf(sections, found), content_type="application/pdf")
    else:
        response = HttpResponse(
            export.to_xlsx(sections, found),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
