"""Pages: patient self-service (phone-sized) and staff patient search/registration (desk-sized)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onetrip.core.actors import Actor, client_ip
from onetrip.core.errors import InvalidInput, TooManyRequests
from onetrip.core.pages import add_domain_errors, staff_page
from onetrip.identity import services
from onetrip.identity.forms import (
    FIELD_MAP,
    ClaimCodeForm,
    ClaimForm,
    CodeForm,
    DocumentForm,
    FamilyRegistrationForm,
    PhoneForm,
    ProxyForm,
    RegistrationForm,
    SearchForm,
)
from onetrip.identity.presenters import present_patient
from onetrip.mpi import services as mpi
from onetrip.mpi.presenters import present_match_warning
from onetrip.web.sessions import (
    end_patient_session,
    patient_page,
    signed_in_account,
    start_patient_session,
)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/home.html")


# --- patient self-service -------------------------------------------------------------------


def patient_sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1 asks for the phone and sends a code; step 2 checks the code."""
    next_url = _safe_next(request)

    def page(form: PhoneForm, step: str) -> HttpResponse:
        context = {"form": form, "step": step, "next": next_url or ""}
        return render(request, "identity/sign_in.html", context)

    if request.method != "POST":
        return page(PhoneForm(), "phone")
    if "code" not in request.POST:
        form = PhoneForm(request.POST)
        if form.is_valid():
            try:
                services.request_sign_in_code(
                    form.cleaned_data["phone"], client_address=client_ip(request)
                )
            except (InvalidInput, TooManyRequests) as exc:
                add_domain_errors(form, exc)
            else:
                return page(CodeForm(initial={"phone": form.cleaned_data["phone"]}), "code")
        return page(form, "phone")
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            account = services.sign_in_with_code(
                form.cleaned_data["phone"],
                form.cleaned_data["code"],
                client_address=client_ip(request),
            )
        except (InvalidInput, TooManyRequests) as exc:
            add_domain_errors(form, exc)
        else:
            start_patient_session(request, account)
            return redirect(next_url or "patient-home")
    return page(form, "code")


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target and safe else None


@require_POST
def patient_sign_out(request: HttpRequest) -> HttpResponse:
    end_patient_session(request)
    return redirect("home")


@patient_page
def patient_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """My documents and family."""
    cards = [
        {
            "patient": present_patient(card.patient, actor=actor),
            "grant": card.grant,
            "family": card.others,
            "may_consent": card.may_consent,
        }
        for card in services.family_of_account(actor.account_id)
    ]
    context = {
        "cards": cards,
        "account": signed_in_account(request),
        "document_form": DocumentForm(),
    }
    return render(request, "identity/patient_home.html", context)


def _possible_duplicates(
    request: HttpRequest, registration: services.PatientRegistration, actor: Actor
) -> list[dict]:
    """ "This may be you" (R-ID-2), for the registration clerk: before a record is created, the
    existing records it may duplicate, masked; registering anyway takes a second, explicit click.
    A patient is never shown other people's records (D56): theirs they claim with a code."""
    if request.POST.get("confirmed_new"):
        return []
    features = mpi.registration_features_of(registration)
    if features is None:
        return []
    policy = mpi.thresholds()
    return [
        present_match_warning(match.patient, match.comparison, policy)
        for match in mpi.possible_duplicates(features, actor=actor)
    ]


@patient_page
def patient_register(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Registers the account's holder or a child. Whether the document was new or on file
    already (then a code went to the phone on file), the page answers the same (D56)."""
    account = signed_in_account(request)
    if request.method == "POST":
        form = FamilyRegistrationForm(request.POST)
        if form.is_valid():
            registration = form.to_registration(form.cleaned_data["relationship"])
            try:
                services.register_for_account(registration, actor=actor)
            except (InvalidInput, TooManyRequests) as exc:
                add_domain_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, REGISTRATION_RECEIVED)
                return redirect("patient-home")
    else:
        form = FamilyRegistrationForm(initial={"phone": account.phone})
    return render(request, "identity/patient_register.html", {"form": form})


REGISTRATION_RECEIVED = gettext_lazy(
    "Received. A new record is now on this page; if the document was already on file, a code "
    "went to the mobile number on file instead: enter it under “Link a record registered at a "
    "hospital”."
)
CLAIM_SESSION_KEY = "onetrip_claim_sent_to"


@patient_page
def patient_claim(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Step 1 of linking a record registered elsewhere: who it is. The answer names where the
    code went (masked) whether or not a record matched (D56)."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer = services.start_record_claim(form.to_input(), actor=actor)
        except (InvalidInput, TooManyRequests) as exc:
            add_domain_errors(form, exc, CLAIM_FIELD_MAP)
        else:
            request.session[CLAIM_SESSION_KEY] = answer.sent_to
            return redirect("patient-claim-code")
    return render(request, "identity/patient_claim.html", {"form": form})


CLAIM_FIELD_MAP = {
    "document.number": "doc_number",
    "document.doc_type": "doc_type",
    "document.issuing_country": "issuing_country",
}


@patient_page
def patient_claim_code(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Step 2: the code from the phone on file links the record to this account."""
    form = ClaimCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.confirm_record_claim(form.cleaned_data["code"], actor=actor)
        except (InvalidInput, TooManyRequests) as exc:
            add_domain_errors(form, exc)
        else:
            request.session.pop(CLAIM_SESSION_KEY, None)
            messages.success(
                request,
                _("%(name)s's record is now linked to this account.") % {"name": patient.name},
            )
            return redirect("patient-home")
    context = {"form": form, "sent_to": request.session.get(CLAIM_SESSION_KEY, "")}
    return render(request, "identity/patient_claim_code.html", context)


def _add_document(request: HttpRequest, patient_id: int, actor: Actor) -> None:
    """The add-document form sits inside a page; its outcome is reported as a page message."""
    form = DocumentForm(request.POST)
    if form.is_valid():
        try:
            services.add_document(patient_id, form.to_input(), actor=actor)
        except InvalidInput as exc:
            add_domain_errors(form, exc, FIELD_MAP)
        else:
            messages.success(request, _("Document added."))
            return
    for error in form.errors.values():
        messages.error(request, " ".join(error))


@patient_page
@require_POST
def patient_add_document(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    _add_document(request, patient_id, actor)
    return redirect("patient-home")


@patient_page
def patient_grant_proxy(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    patient = services.view_patient(patient_id, actor=actor)
    form = ProxyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_proxy(
                patient_id,
                form.cleaned_data["phone"],
                form.cleaned_data["relationship"],
                actor=actor,
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your family member can now act for this patient."))
            return redirect("patient-home")
    context = {"form": form, "patient": present_patient(patient, actor=actor)}
    return render(request, "identity/patient_grant_proxy.html", context)


@patient_page
@require_POST
def patient_revoke_proxy(request: HttpRequest, grant_id: int, *, actor: Actor) -> HttpResponse:
    services.revoke_proxy(grant_id, actor=actor)
    messages.success(request, _("Access withdrawn."))
    return redirect("patient-home")


# --- staff ----------------------------------------------------------------------------------


@staff_page("identity.view_patient")
def staff_patient_search(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = SearchForm(request.GET)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = services.search_patients(form.cleaned_data["q"], actor=actor)
        results = [present_patient(p, actor=actor) for p in found]
    template = (
        "identity/staff_search_results.html"
        if request.headers.get("HX-Request")
        else "identity/staff_search.html"
    )
    return render(request, template, {"form": form, "results": results})


@staff_page("identity.view_patient")
def staff_patient_detail(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    patient = services.view_patient(patient_id, actor=actor)
    context = {"patient": present_patient(patient, actor=actor), "document_form": DocumentForm()}
    return render(request, "identity/staff_patient_detail.html", context)


@staff_page("identity.add_patient")
def staff_patient_register(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    duplicates: list[dict] = []
    if request.method == "POST" and form.is_valid():
        duplicates = _possible_duplicates(request, form.to_registration(), actor)
    if request.method == "POST" and form.is_valid() and not duplicates:
        try:
            patient = services.register_patient(form.to_registration(), actor=actor)
        except InvalidInput as exc:
            add_domain_errors(form, exc, FIELD_MAP)
        else:
            messages.success(request, _("Patient registered."))
            return redirect("staff-patient-detail", patient_id=patient.pk)
    context = {"form": form, "duplicates": duplicates}
    return render(request, "identity/staff_patient_register.html", context)


@staff_page("identity.add_identitydocument")
@require_POST
def staff_add_document(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    _add_document(request, patient_id, actor)
    return redirect("staff-patient-detail", patient_id=patient_id)
