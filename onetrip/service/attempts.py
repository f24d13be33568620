"""Running a service verb from a page: success shown as a message, refusals on the form."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from onetrip.core.errors import DomainError
from onetrip.core.pages import add_domain_errors
from onetrip.service.forms import RefuseForm

# A refused verb's result; a sentinel because some verbs return None when they succeed.
REFUSED = object()


def attempt(request, verb, *, done, form=None, not_found_is_page=True):
    """Run a service verb from a page. On success the `done` message (a text, or a function of
    the verb's result) is shown and the result returned; a refusal goes onto `form` (or, without
    one, into an error message) and REFUSED is returned. A 404 is the page's own 404 unless the
    missing object is one the form chose (`not_found_is_page=False`)."""
    try:
        result = verb()
    except DomainError as exc:
        if not_found_is_page and exc.status == 404:
            raise
        if form is None:
            messages.error(request, str(exc.message))
        else:
            add_domain_errors(form, exc)
        return REFUSED
    messages.success(request, done(result) if callable(done) else done)
    return result


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
