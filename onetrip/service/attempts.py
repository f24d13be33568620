"""The service desks' refusal with a reason typed on the record's page."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.translation import gettext as _

from onetrip.core.pages import REFUSED, attempt
from onetrip.service.forms import RefuseForm


def refuse_with_reason(request, refuse, *, record: str, pk: int, show):
    """A desk's refusal with the reason typed on the record's page (`refuse(reason)` runs the
    verb): back to the record when it took, the record again with the form's errors when not."""
    form = RefuseForm(request.POST)
    if form.is_valid():
        refused = attempt(
            request,
            lambda: refuse(form.cleaned_data["reason"]),
            done=_("Refused; the patient is told."),
            form=form,
        )
        if refused is not REFUSED:
            return redirect(record, pk)
    return show(form=form, status=400)
