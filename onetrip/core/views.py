"""Staff sign-in and the audit trail pages."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor
from onetrip.core.audit_queries import AuditFilter, audit_events
from onetrip.core.bounds import EARLIEST_DAY, LATEST_DAY, MAX_ID
from onetrip.core.masking import mask_name
from onetrip.core.models import AuditAction
from onetrip.core.pages import staff_page


class StaffAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not hasattr(user, "staff_profile"):
            raise forms.ValidationError(
                _("This account is not bound to an institution."), code="not_staff"
            )


class StaffLoginView(LoginView):
    template_name = "core/staff_login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True


@staff_page()
def staff_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    if actor.has_perm("identity.view_patient"):
        return redirect("staff-patient-search")
    if actor.has_perm("metrics.view_indicators"):
        return redirect("metrics-dashboard")
    if actor.has_perm("consortium.view_institution"):
        return redirect("admin:index")
    return render(request, "core/staff_home.html")


DAY_BOUNDS = [MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)]


class AuditFilterForm(forms.Form):
    patient_id = forms.IntegerField(
        label=_("Patient number"), required=False, min_value=1, max_value=MAX_ID
    )
    actor = forms.CharField(label=_("Who"), required=False, max_length=60)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", "—"), *AuditAction.choices]
    )
    date_from = forms.DateField(
        label=_("Date from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DAY_BOUNDS,
    )
    date_to = forms.DateField(
        label=_("Date to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DAY_BOUNDS,
    )


@staff_page("core.view_auditevent")
def audit_trail(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = AuditFilter(**form.cleaned_data) if form.is_valid() else AuditFilter()
    page = Paginator(audit_events(filters, actor=actor), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "record_names": {e.object_type: _record_name(e.object_type) for e in page},
        "patient_names": _patient_names({e.patient_id for e in page if e.patient_id}),
    }
    return render(request, "core/audit_trail.html", context)


def _record_name(label: str) -> str:
    """A record type as its model calls it ("预约"), not its internal label."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _patient_names(ids: set[int]) -> dict[int, str]:
    """The page's patients by masked name (the registry, not a domain import: core stays below
    the domains; the audit page of a privacy auditor names patients without spelling them)."""
    patients = apps.get_model(settings.ONETRIP_PATIENT_MODEL).objects.filter(pk__in=ids)
    return {pk: mask_name(name) for pk, name in patients.values_list("pk", "name")}
