"""The KPI office's dashboard (R-KPI-1): every indicator against its target with its trend, the
drill-down to institutions and departments, and the records behind a number."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.consortium.queries import institution_subtree_ids
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput
from onetrip.core.pages import query_id, staff_page
from onetrip.metrics import returns, services
from onetrip.metrics.charts import trend_svg
from onetrip.metrics.export import target_text, unit_label, value_text
from onetrip.metrics.periods import month_of, parse_period


class ScopeForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int, required=False)
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=7,
        help_text=_("2026-11, 2026-Q4 or 2026"),
    )

    def __init__(self, data, *, actor: Actor) -> None:
        super().__init__(data)
        ids = institution_subtree_ids(actor.institution_id)
        self.fields["institution"].choices = list(
            Institution.objects.filter(pk__in=ids).order_by("code").values_list("pk", "name")
        )


def _scope(request: HttpRequest, actor: Actor):
    """The form, the resolved scope and the period of a dashboard request."""
    form = ScopeForm(request.GET or None, actor=actor)
    institution = department = None
    period = month_of(clock.today())
    if form.is_bound and form.is_valid():
        institution = form.cleaned_data["institution"] or None
        if form.cleaned_data["period"]:
            try:
                period = parse_period(form.cleaned_data["period"])
            except InvalidInput as exc:
                form.add_error("period", str(exc.message))
    department = query_id(request, "department")
    resolved = services.resolve_scope(
        actor=actor, institution_id=institution, department_id=department
    )
    # The menu shows the institution the page shows, so "Show" never switches it silently.
    form.initial = {"institution": resolved.institution.pk, "period": period.code}
    return form, resolved, period


def _card(figure: services.Figure, points) -> dict:
    metric = figure.metric
    return {
        "figure": figure,
        "value": value_text(figure),
        "target": target_text(figure),
        "unit": unit_label(metric.unit),
        "chart": trend_svg(points, target=metric.target, unit=metric.unit, label=str(metric.name)),
    }


@staff_page(services.VIEW_PERM)
def dashboard(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form, resolved, period = _scope(request, actor)
    with services.one_read():
        figures, trends = services.overview(resolved.scope, period)
    cards = [_card(figure, trends[figure.metric.code]) for figure in figures]
    reported = [
        {"figure": figure, "value": value_text(figure), "target": target_text(figure)}
        for figure in services.reported_figures(resolved.scope, period)
    ]
    context = {
        "form": form,
        "resolved": resolved,
        "period": period,
        "cards": cards,
        "reported": reported,
        "query": _query(resolved, period),
    }
    return render(request, "metrics/dashboard.html", context)


def _query(resolved: services.ResolvedScope, period) -> str:
    query = f"institution={resolved.institution.pk}&period={period.code}"
    if resolved.department is not None:
        query += f"&department={resolved.department.pk}"
    return query


@staff_page(services.VIEW_PERM)
def metric_detail(request: HttpRequest, code: str, *, actor: Actor) -> HttpResponse:
    metric = services.metric_by_code(code)
    form, resolved, period = _scope(request, actor)
    with services.one_read():
        figures, trends = services.overview(resolved.scope, period)
        breakdown = services.breakdown(metric, resolved, period)
    points = trends[metric.code]
    figure = next(f for f in figures if f.metric == metric)
    rows = [{"row": row, "value": value_text(row.figure)} for row in breakdown]
    context = {
        "form": form,
        "resolved": resolved,
        "period": period,
        "card": _card(figure, points),
        "points": [{"point": p, "value": value_text(p.figure)} for p in points],
        "rows": rows,
        "query": _query(resolved, period),
    }
    return render(request, "metrics/metric.html", context)


@staff_page(services.VIEW_PERM)
def metric_records(request: HttpRequest, code: str, *, actor: Actor) -> HttpResponse:
    metric = services.metric_by_code(code)
    _form, resolved, period = _scope(request, actor)
    part = request.GET.get("part", "numerator")
    try:
        found = services.records(metric, part, resolved, period, actor=actor)
    except InvalidInput:
        part = "numerator"
        found = services.records(metric, part, resolved, period, actor=actor)
    page = Paginator(services.record_summaries(found), 100).get_page(request.GET.get("page"))
    context = {
        "metric": metric,
        "part": part,
        "source": getattr(metric, f"{part}_source"),
        "resolved": resolved,
        "period": period,
        "page": page,
        "query": _query(resolved, period),
    }
    return render(request, "metrics/records.html", context)


class ReturnForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"))
    period = forms.CharField(
        label=_("Period"), max_length=7, help_text=_("2026-11, 2026-Q4 or 2026")
    )
    achieved = forms.IntegerField(label=_("Figure (yes = 1, no = 0)"), min_value=0)
    of = forms.IntegerField(label=_("Out of (wards)"), min_value=0, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, data, *, items) -> None:
        super().__init__(data)
        self.fields["item"].choices = [(item.code, item.name) for item in items]


@staff_page(services.ENTER_RETURNS_PERM)
def facility_returns(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The institution's returns (R-KPI-3): enter one, see who entered what and when."""
    institution = Institution.objects.get(pk=actor.institution_id)
    items = [item for item in returns.ITEMS if institution.level in item.levels]
    form = ReturnForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enter_facility_return(
                item=data["item"],
                period=data["period"],
                achieved=data["achieved"],
                of=data["of"],
                note=data["note"],
                actor=actor,
            )
        except InvalidInput as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Return recorded."))
            return redirect("metrics-returns")
    entered = [
        {"entry": entry, "item": returns.ITEMS_BY_CODE.get(entry.item)}
        for entry in services.returns_of_institution(actor=actor)
    ]
    context = {"institution": institution, "items": items, "form": form, "entered": entered}
    return render(request, "metrics/returns.html", context, status=400 if form.errors else 200)
