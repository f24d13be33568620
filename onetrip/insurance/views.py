"""Insurance pages of R-PAY-8: the patient's commercial health policies and off-site
reimbursement claims on the phone, and the claims desk for staff."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError
from onetrip.core.pages import add_domain_errors, staff_page
from onetrip.identity import services as identity
from onetrip.insurance import claims, commercial
from onetrip.insurance.models import ClaimStatus, Insurer
from onetrip.web.sessions import patient_page


class PolicyForm(forms.Form):
    patient_id = forms.TypedChoiceField(label=gettext_lazy("Insured person"), coerce=int)
    insurer = forms.ChoiceField(label=gettext_lazy("Insurer"), choices=Insurer.choices)
    policy_number = forms.CharField(label=gettext_lazy("Policy number"), max_length=32)

    def __init__(self, *args, patients, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient_id"].choices = [(p.pk, p.name) for p in patients]


class ClaimForm(forms.Form):
    ebill_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("E-bills to claim for"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    insured_area = forms.CharField(
        label=gettext_lazy("Insured city area code"),
        max_length=6,
        help_text=gettext_lazy("The 6-digit code of the city where you are insured, e.g. 310000."),
    )
    payee_account = forms.CharField(label=gettext_lazy("Bank account to pay into"), max_length=40)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, bills, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ebill_ids"].choices = [
            (
                b.ebill_id,
                f"{b.institution_name} · {b.label} · {b.issued_at:%Y-%m-%d} · "
                f"¥{b.amount_fen // 100}.{b.amount_fen % 100:02d}",
            )
            for b in bills
        ]


@patient_page
@require_http_methods(["GET", "POST"])
def my_insurance(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """My commercial health policies (商保直赔) and a way to add one; the claims are a tap away."""
    patients = list(identity.patients_of_account(actor.account_id or 0))
    form = PolicyForm(request.POST or None, patients=patients)
    if request.method == "POST" and form.is_valid():
        try:
            commercial.register_policy(**form.cleaned_data, actor=actor)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The insurer confirmed the policy."))
            return redirect("patient-insurance")
    policies = commercial.policies_of([p.pk for p in patients])
    return render(request, "insurance/my_insurance.html", {"form": form, "policies": policies})


@patient_page
def my_claims(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request, "insurance/my_claims.html", {"claims": claims.claims_of_account(actor=actor)}
    )


@patient_page
@require_http_methods(["GET", "POST"])
def new_claim(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    bills = claims.claimable_bills(actor=actor)
    initial = {"idempotency_key": uuid.uuid4().hex}
    form = ClaimForm(request.POST or None, bills=bills, initial=initial)
    if request.method == "POST":
        data = {
            "ebill_ids": [int(i) for i in request.POST.getlist("ebill_ids") if i.isdigit()],
            "insured_area": request.POST.get("insured_area", ""),
            "payee_account": request.POST.get("payee_account", ""),
            "idempotency_key": request.POST.get("idempotency_key", ""),
        }
        try:
            # The service decides which bills are the account's own: another's is a 404.
            claim = claims.submit_claim(**data, actor=actor)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.is_valid()  # the service judged the input; the form only shows its answer
            form.errors.clear()
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your claim was submitted."))
            return redirect("patient-offsite-claim", claim.pk)
    return render(request, "insurance/new_claim.html", {"form": form, "bills": bills})


@patient_page
@require_http_methods(["GET", "POST"])
def my_claim(request: HttpRequest, claim_id: int, *, actor: Actor) -> HttpResponse:
    claim = claims.claim_of_account(claim_id, actor=actor)
    if request.method == "POST":
        try:
            claims.refresh_claim(claim, actor=actor)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("patient-offsite-claim", claim.pk)
    return render(
        request,
        "insurance/claim.html",
        {"claim": claim, "base_template": "identity/patient_base.html", "staff": False},
    )


@staff_page("insurance.settle_insurance")
def claims_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "insurance/claims_desk.html",
        {
            "claims": claims.claims_at_institution(actor=actor, status=status)[:200],
            "status": status,
            "statuses": ClaimStatus.choices,
        },
    )


@staff_page("insurance.settle_insurance")
@require_http_methods(["GET", "POST"])
def claim_desk(request: HttpRequest, claim_id: int, *, actor: Actor) -> HttpResponse:
    claim = claims.claim_for_staff(claim_id, actor=actor)
    if request.method == "POST":
        try:
            claims.refresh_claim(claim, actor=actor)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("insurance-claim", claim.pk)
    return render(
        request,
        "insurance/claim.html",
        {"claim": claim, "base_template": "staff_base.html", "staff": True},
    )
