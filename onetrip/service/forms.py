"""The service centre's forms: a complaint from the phone or entered at the desk, the officer's
routing and answer, the patient's rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.service.models import ComplaintCause, ComplaintChannel, ComplaintKind, Severity


class PatientComplaintForm(forms.Form):
    patient_id = forms.TypedChoiceField(label=_("Patient"), coerce=int)
    institution_id = forms.TypedChoiceField(label=_("Hospital"), coerce=int)
    kind = forms.ChoiceField(label=_("Complaint or praise"), choices=ComplaintKind.choices)
    cause = forms.ChoiceField(label=_("About"), choices=ComplaintCause.choices)
    severity = forms.ChoiceField(label=_("How urgent"), choices=Severity.choices)
    description = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


STAFF_CHANNELS = [(v, label) for v, label in ComplaintChannel.choices if v != ComplaintChannel.APP]


class StaffComplaintForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)
    contact_name = forms.CharField(label=_("Name"), max_length=50)
    contact_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    kind = forms.ChoiceField(label=_("Complaint or praise"), choices=ComplaintKind.choices)
    cause = forms.ChoiceField(label=_("About"), choices=ComplaintCause.choices)
    severity = forms.ChoiceField(label=_("How urgent"), choices=Severity.choices)
    description = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


class RouteForm(forms.Form):
    department_id = forms.TypedChoiceField(label=_("Responsible department"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("The department's answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
