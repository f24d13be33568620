"""The service centre's forms: a complaint from the phone or entered at the desk, the officer's
routing and answer, the patient's rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.service.models import (
    ComplaintCause,
    ComplaintChannel,
    ComplaintKind,
    CopyDelivery,
    CopyPurpose,
    Severity,
)


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


class CopyForm(forms.Form):
    patient_id = forms.TypedChoiceField(label=_("Whose record"), coerce=int)
    institution_id = forms.TypedChoiceField(label=_("Hospital"), coerce=int)
    visit_description = forms.CharField(
        label=_("Which visit"),
        max_length=200,
        help_text=_("For example: inpatient stay in internal medicine, March 2026"),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=CopyPurpose.choices)
    copies = forms.TypedChoiceField(
        label=_("Copies"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)]
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=CopyDelivery.choices, widget=forms.RadioSelect
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    recipient_phone = forms.CharField(label=_("Recipient's phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Postal address"), max_length=200, required=False)


class PrepareForm(forms.Form):
    pages = forms.IntegerField(label=_("Pages copied"), min_value=1, max_value=999)


class TicketForm(forms.Form):
    errand = forms.ChoiceField(label=_("Errand"), choices=[])
    contact_name = forms.CharField(label=_("Name"), max_length=50)
    contact_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    details = forms.CharField(label=_("Details"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        from onetrip.service.errands import CHOICES

        super().__init__(*args, **kwargs)
        self.fields["errand"].choices = CHOICES


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
