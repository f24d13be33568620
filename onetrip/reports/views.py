"""Pages: the patient's reports on the phone (R-EXAM-4), the printable PDF and its public check,
and the staff desk pages: a patient's consortium results, the critical-value worklist, the
results inbox (quarantine and rejected messages) and the recognition warning (R-EXAM-5)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.masking import mask_name
from onetrip.core.pages import refusals_as_http, staff_page
from onetrip.reports import services
from onetrip.reports.models import Report
from onetrip.reports.pdf import report_pdf
from onetrip.reports.results import CRITICAL_FLAGS
from onetrip.reports.verification import verification_token, verify
from onetrip.web.sessions import patient_page

# --- patient --------------------------------------------------------------------------------


@patient_page
def patient_reports(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    reports = services.visible_reports(actor).select_related("patient", "performing_institution")
    return render(request, "reports/patient_reports.html", {"reports": reports[:50]})


@patient_page
def patient_report(request: HttpRequest, report_id: int, *, actor: Actor) -> HttpResponse:
    report = services.view_report(report_id, actor=actor)
    return render(request, "reports/patient_report.html", _detail(report))


@patient_page
def patient_report_pdf(request: HttpRequest, report_id: int, *, actor: Actor) -> HttpResponse:
    return _pdf_response(request, services.view_report(report_id, actor=actor))


def _detail(report: Report) -> dict:
    observations = list(report.observations.all())
    return {
        "report": report,
        "observations": observations,
        "critical": [o for o in observations if o.abnormal_flag in CRITICAL_FLAGS],
    }


def _pdf_response(request: HttpRequest, report: Report) -> HttpResponse:
    url = request.build_absolute_uri(reverse("report-verify", args=[verification_token(report)]))
    response = HttpResponse(report_pdf(report, verify_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{report.placer_number}.pdf"'
    return response


def verify_report(request: HttpRequest, token: str) -> HttpResponse:
    """Public: anyone holding a printout checks it; the page shows no result."""
    verification = verify(token)
    context = {"verification": verification}
    if verification is not None:
        context["masked_name"] = mask_name(verification.report.patient.name)
    return render(
        request, "reports/verify.html", context, status=200 if verification is not None else 404
    )


# --- staff ----------------------------------------------------------------------------------


@staff_page("reports.view_report")
def staff_patient_reports(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    reports = services.reports_of_patient(patient_id, actor=actor).select_related(
        "patient", "performing_institution"
    )
    return render(
        request,
        "reports/staff_patient_reports.html",
        {"reports": reports, "patient_id": patient_id},
    )


@staff_page("reports.view_report")
def staff_report(request: HttpRequest, report_id: int, *, actor: Actor) -> HttpResponse:
    report = services.view_report(report_id, actor=actor)
    return render(request, "reports/staff_report.html", _detail(report))


@staff_page("reports.view_report")
def staff_report_pdf(request: HttpRequest, report_id: int, *, actor: Actor) -> HttpResponse:
    return _pdf_response(request, services.view_report(report_id, actor=actor))


@staff_page("reports.acknowledge_critical")
def critical_worklist(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    alerts = services.critical_worklist(actor=actor)[:100]
    return render(request, "reports/critical_worklist.html", {"alerts": alerts})


@staff_page("reports.acknowledge_critical")
@require_POST
def acknowledge_critical(request: HttpRequest, alert_id: int, *, actor: Actor) -> HttpResponse:
    services.acknowledge_critical(alert_id, note=request.POST.get("note", ""), actor=actor)
    messages.success(request, _("Critical value acknowledged."))
    return redirect("reports-critical")


class AttachForm(forms.Form):
    placer_number = forms.CharField(label=gettext_lazy("Order number"), max_length=40)


class ReplayForm(forms.Form):
    corrected_raw = forms.CharField(
        label=gettext_lazy("Corrected message (leave as is to replay unchanged)"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
    )


@staff_page("reports.sort_results")
def results_inbox(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    context = {
        "quarantined": services.quarantined_reports(actor=actor)[:50],
        "rejected": services.rejected_messages(actor=actor)[:50],
        "attach_form": AttachForm(),
    }
    return render(request, "reports/inbox.html", context)


@staff_page("reports.sort_results")
@require_POST
def attach_report(request: HttpRequest, report_id: int, *, actor: Actor) -> HttpResponse:
    form = AttachForm(request.POST)
    if form.is_valid():
        try:
            services.attach_report(report_id, form.cleaned_data["placer_number"], actor=actor)
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The report is filed on its order."))
    return redirect("reports-inbox")


@staff_page("reports.sort_results")
@require_POST
def replay_message(request: HttpRequest, message_id: int, *, actor: Actor) -> HttpResponse:
    form = ReplayForm(request.POST)
    form.is_valid()
    try:
        receipt = services.replay_message(
            message_id, actor=actor, corrected_raw=form.cleaned_data.get("corrected_raw", "")
        )
    except DomainError as exc:
        if exc.status != 409:
            raise
        messages.error(request, str(exc.message))
        return redirect("reports-inbox")
    if receipt.message.status == "accepted":
        messages.success(request, _("The message is filed."))
    else:
        messages.error(
            request,
            _("Still rejected at %(location)s: %(fault)s")
            % {"location": receipt.message.error_location, "fault": receipt.message.error_text},
        )
    return redirect("reports-inbox")


class DecisionForm(forms.Form):
    patient_id = forms.IntegerField(widget=forms.HiddenInput)
    item_code = forms.CharField(widget=forms.HiddenInput)
    report_id = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        choices=[
            ("reused", gettext_lazy("Use this result")),
            ("overridden", gettext_lazy("Order again")),
        ]
    )
    reason = forms.CharField(label=gettext_lazy("Reason for ordering again"), required=False)


@staff_page("reports.view_report")
def recognition_warning(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """A fragment for the order form (htmx): the recognised results that already answer the exam,
    and the doctor's choice. Empty when there is nothing to warn about."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        patient_id = int(data.get("patient_id", ""))
    except ValueError:
        return HttpResponse(status=400)
    item_code = data.get("item_code", "")
    decision = None
    form = None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                decision = services.record_recognition_decision(
                    patient_id,
                    item_code,
                    form.cleaned_data["report_id"],
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    actor=actor,
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
    with refusals_as_http():
        results = services.recognition_check(patient_id, item_code, actor=actor)
    context = {
        "results": results,
        "patient_id": patient_id,
        "item_code": item_code,
        "decision": decision,
        "form_errors": form.non_field_errors() if form is not None else [],
        "days": services.recognition_days(item_code),
    }
    return render(request, "reports/_recognition_warning.html", context)
