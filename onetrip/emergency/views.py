"""The emergency pages: the dispatcher's board (live by htmx polling), the crew's phone page
with a big button for each moment of the run, and the receiving hospital's emergency board with
the data sent before arrival, the green-channel timeline and the fees charged after treatment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.pages import refusals_as_http, staff_page
from onetrip.emergency import clocks, forms, services
from onetrip.emergency.services import CREW, DISPATCH, RECEIVE


@contextmanager
def _refusal_shown(request: HttpRequest) -> Iterator[None]:
    """A refusal about the request (bad input, a state conflict) is shown on the page it came
    from; one about scope or permission stays a 404 or 403."""
    try:
        yield
    except (NotFound, PermissionDenied):
        raise
    except InvalidInput as exc:
        for error in exc.errors:
            messages.error(request, f"{error.field}: {error.message}")
    except DomainError as exc:
        messages.error(request, str(exc.message))


def _form_errors(request: HttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# --- the dispatcher -------------------------------------------------------------------------


@staff_page(DISPATCH)
def dispatcher_board(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    board = services.board(actor=actor)
    form = forms.CallForm(zones=board.zones)
    return render(
        request,
        "emergency/dispatcher_board.html",
        {"board": board, "form": form, "now": clock.now()},
    )


@require_POST
@staff_page(DISPATCH)
def take_call(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.CallForm(request.POST, zones=services.centre_zones(actor=actor))
    if not form.is_valid():
        _form_errors(request, form)
    else:
        with _refusal_shown(request):
            call = services.take_call(form.call_in(), actor=actor)
            messages.success(
                request,
                _("Call %(id)s taken, priority %(priority)s.")
                % {"id": call.pk, "priority": call.priority},
            )
    return redirect("emergency-dispatch")


@require_POST
@staff_page(DISPATCH)
def dispatch(request: HttpRequest, call_id: int, *, actor: Actor) -> HttpResponse:
    ambulance = request.POST.get("ambulance_id", "")
    with _refusal_shown(request):
        if ambulance.isdigit():
            run = services.dispatch(call_id, int(ambulance), actor=actor)
        else:
            run = services.dispatch_nearest(call_id, actor=actor)
        messages.success(
            request,
            _("%(ambulance)s dispatched to call %(id)s.")
            % {"ambulance": run.ambulance.call_sign, "id": call_id},
        )
    return redirect("emergency-dispatch")


@require_POST
@staff_page(DISPATCH)
def cancel_call(request: HttpRequest, call_id: int, *, actor: Actor) -> HttpResponse:
    with _refusal_shown(request):
        services.cancel_call(call_id, reason=request.POST.get("reason", ""), actor=actor)
        messages.success(request, _("Call %(id)s cancelled.") % {"id": call_id})
    return redirect("emergency-dispatch")


# --- the crew's phone -----------------------------------------------------------------------


@staff_page(CREW)
def crew_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(request, "emergency/crew_home.html", {"runs": services.crew_runs(actor=actor)})


def _run_url(run_id: int) -> str:
    return reverse("emergency-run", args=[run_id])


@staff_page(CREW)
def crew_run(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    run = services.view_run_for_crew(run_id, actor=actor)
    moments = [
        (moment, getattr(run, f"{moment}_at"), label)
        for moment, label in zip(
            services.CREW_MOMENTS,
            (_("Wheels rolling"), _("On scene"), _("Leaving scene"), _("At hospital")),
            strict=True,
        )
    ]
    next_moment = next((m for m, at, _label in moments if at is None), None)
    return render(
        request,
        "emergency/crew_run.html",
        {
            "run": run,
            "moments": moments,
            "next_moment": None if run.cancelled else next_moment,
            "hospitals": services.receiving_hospitals(),
            "vitals_form": forms.VitalsForm(),
            "ecg_form": forms.EcgForm(),
            "identify_form": forms.IdentifyForm(),
            "unknown_form": forms.UnknownPatientForm(),
            "ecgs": run.ecgs.count(),
        },
    )


@require_POST
@staff_page(CREW)
def record_moment(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with _refusal_shown(request):
        services.record_moment(run_id, request.POST.get("moment", ""), actor=actor)
    return redirect(_run_url(run_id))


@require_POST
@staff_page(CREW)
def choose_destination(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    destination = request.POST.get("destination", "")
    with _refusal_shown(request):
        if not destination.isdigit():
            raise InvalidInput.field("destination", _("Choose a receiving hospital."))
        services.choose_destination(run_id, int(destination), actor=actor)
    return redirect(_run_url(run_id))


@require_POST
@staff_page(CREW)
def identify(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with refusals_as_http():
        services.require_crew_run(run_id, actor=actor)
    form = forms.IdentifyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        with _refusal_shown(request):
            services.identify_patient(
                run_id, form.cleaned_data["doc_type"], form.cleaned_data["number"], actor=actor
            )
            messages.success(request, _("Patient identified."))
    return redirect(_run_url(run_id))


@require_POST
@staff_page(CREW)
def unknown_patient(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with refusals_as_http():
        services.require_crew_run(run_id, actor=actor)
    form = forms.UnknownPatientForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        with _refusal_shown(request):
            services.register_unknown_patient(run_id, sex=form.cleaned_data["sex"], actor=actor)
            messages.success(request, _("Unknown-patient record registered."))
    return redirect(_run_url(run_id))


@require_POST
@staff_page(CREW)
def vitals(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with refusals_as_http():
        services.require_crew_run(run_id, actor=actor)
    form = forms.VitalsForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        with _refusal_shown(request):
            services.record_vitals(run_id, services.VitalsIn(**form.cleaned_data), actor=actor)
            messages.success(request, _("Vital signs sent."))
    return redirect(_run_url(run_id))


@require_POST
@staff_page(CREW)
def ecg(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with refusals_as_http():
        services.require_crew_run(run_id, actor=actor)
    form = forms.EcgForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_run_url(run_id))
    waveform, image = form.cleaned_data["waveform"], form.cleaned_data["image"]
    with _refusal_shown(request):
        # Read no more than the limits allow: an oversized file is refused by its size.
        services.send_ecg(
            run_id,
            waveform_name=waveform.name or "",
            waveform=waveform.read(services.WAVEFORM_MAX_BYTES + 1),
            image=image.read(services.IMAGE_MAX_BYTES + 1),
            actor=actor,
        )
        messages.success(request, _("ECG sent to the receiving hospital."))
    return redirect(_run_url(run_id))


# --- the receiving hospital -----------------------------------------------------------------


@staff_page(RECEIVE)
def arrivals_board(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    now = clock.now()
    arrivals = services.arrivals_board(actor=actor)
    return render(
        request,
        "emergency/arrivals_board.html",
        {
            "arrivals": [
                (a, _minutes_to(a.expected_at, now) if a.run.at_hospital_at is None else None)
                for a in arrivals
            ],
            "now": now,
        },
    )


def _minutes_to(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    if moment is None:
        return None
    return max(0, round((moment - now).total_seconds() / 60))


def _arrival_url(run_id: int) -> str:
    return reverse("emergency-arrival", args=[run_id])


@staff_page(RECEIVE)
def arrival(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    found = services.view_arrival(run_id, actor=actor)
    timeline = sorted(
        (
            (at, clocks.MILESTONES[code], found.milestones.get(code))
            for code, at in services.moments(found.run, found.milestones).items()
        ),
        key=lambda item: item[0],
    )
    return render(
        request,
        "emergency/arrival.html",
        {
            "a": found,
            "timeline": timeline,
            "vitals": list(found.run.vitals.all()),
            "milestone_form": forms.MilestoneForm(),
            "fee_form": forms.FeeForm(),
            "fees": services.fees_of(found.run),
            "visit_reference": services.visit_reference(found.run),
        },
    )


@require_POST
@staff_page(RECEIVE)
def activate_team(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with _refusal_shown(request):
        services.activate_team(run_id, actor=actor)
        messages.success(request, _("Team activated."))
    if request.POST.get("next") == "board":
        return redirect("emergency-arrivals")
    return redirect(_arrival_url(run_id))


@require_POST
@staff_page(RECEIVE)
def milestone(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with refusals_as_http():
        services.require_arrival(run_id, actor=actor)
    form = forms.MilestoneForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_arrival_url(run_id))
    at = form.cleaned_data["at"]
    moment = None
    if at is not None:
        now = timezone.localtime(clock.now())
        moment = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
        if moment > now:
            moment -= dt.timedelta(days=1)  # a time after now was yesterday's
    with _refusal_shown(request):
        services.record_milestone(
            run_id,
            form.cleaned_data["code"],
            at=moment,
            delay_reason=form.cleaned_data["delay_reason"],
            actor=actor,
        )
        messages.success(request, _("Milestone recorded."))
    return redirect(_arrival_url(run_id))


@require_POST
@staff_page(RECEIVE)
def fee(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    with _refusal_shown(request):
        services.charge_fee(run_id, request.POST.get("item_code", ""), actor=actor)
        messages.success(request, _("Fee charged; the bill is settled after treatment."))
    return redirect(_arrival_url(run_id))


@staff_page(RECEIVE, CREW)
def ecg_image(request: HttpRequest, ecg_id: int, *, actor: Actor) -> HttpResponse:
    found = services.ecg_for(ecg_id, actor=actor)
    return HttpResponse(bytes(found.image), content_type=found.image_type)
