"""Staff pages of the master patient index: the review queue, and one pair side by side with the
explanation of its score (R-ID-2). Thin: the services decide and audit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, NotFound
from onetrip.core.pages import staff_page
from onetrip.mpi import legacy, services
from onetrip.mpi.presenters import guard_label, present_explanation, present_record

REVIEW = services.REVIEW_PERMISSION


@staff_page(REVIEW)
def review_queue(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    candidates = services.review_queue(actor=actor)
    return render(request, "mpi/review_queue.html", {"candidates": candidates})


@staff_page(REVIEW)
def review_pair(request: HttpRequest, candidate_id: int, *, actor: Actor) -> HttpResponse:
    candidate = services.view_candidate(candidate_id, actor=actor)
    context = {
        "candidate": candidate,
        "left": present_record(candidate.left, actor=actor),
        "right": present_record(candidate.right, actor=actor),
        "explanation": present_explanation(candidate.explanation),
        "guard_label": guard_label(candidate.guard),
    }
    return render(request, "mpi/review_pair.html", context)


@staff_page(REVIEW)
@require_POST
def decide_pair(request: HttpRequest, candidate_id: int, *, actor: Actor) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in ("same", "different"):  # a form posted without its button: no decision
        messages.error(request, _("Choose “Same person: merge” or “Different persons”."))
        return redirect("mpi-review-pair", candidate_id=candidate_id)
    same_person = decision == "same"
    try:
        services.decide_candidate(candidate_id, same_person=same_person, actor=actor)
    except NotFound:
        raise  # a pair out of the reviewer's scope: 404, as everywhere
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("mpi-review-pair", candidate_id=candidate_id)
    if same_person:
        messages.success(request, _("Merged: both records now belong to one person."))
    else:
        messages.success(request, _("Kept apart: these records will not be suggested again."))
    return redirect("mpi-review-queue")


@staff_page(REVIEW)
def source_record_lookup(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The cross-reference of legacy loads: what a source system's record became."""
    system = request.GET.get("system", "").strip()
    record_id = request.GET.get("record_id", "").strip()
    context: dict[str, object] = {"system": system, "record_id": record_id}
    if system and record_id:
        try:
            xref = legacy.view_source_record(system, record_id, actor=actor)
        except NotFound:
            context["not_found"] = True
        else:
            context["xref"] = xref
            context["flags"] = legacy.present_flags(xref.source.flags)
    return render(request, "mpi/source_record.html", context)
