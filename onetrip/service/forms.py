"""The service centre's forms: a complaint from the phone or entered at the desk, the officer's
routing and answer, the patient's rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.identity.documents import DocumentType
from onetrip.service.models import (
    CertificateKind,
    ComplaintCause,
    ComplaintChannel,
    ComplaintKind,
    CopyDelivery,
    CopyPurpose,
    HelperKind,
    HelpNeed,
    Severity,
    TrainingKind,
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
    patient_id = forms.IntegerField(
        label=_("Patient number"),
        min_value=1,
        required=False,
        help_text=_("Give it and the patient follows the errand on the phone."),
    )

    def __init__(self, *args, **kwargs):
        from onetrip.service.errands import CHOICES

        super().__init__(*args, **kwargs)
        self.fields["errand"].choices = CHOICES


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PhoneErrandForm(forms.Form):
    patient_id = forms.TypedChoiceField(label=_("For whom"), coerce=int)
    institution_id = forms.TypedChoiceField(label=_("Hospital"), coerce=int)
    errand = forms.ChoiceField(label=_("Errand"), choices=[])
    details = forms.CharField(label=_("Details"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        from onetrip.service.errands import CHOICES

        super().__init__(*args, **kwargs)
        self.fields["errand"].choices = CHOICES


class CertificateForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient number"), min_value=1)
    kind = forms.ChoiceField(label=_("Certificate"), choices=CertificateKind.choices)
    doctor_name = forms.CharField(label=_("Issuing doctor"), max_length=50)
    statement = forms.CharField(
        label=_("What it certifies"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(label=_("From"), required=False)
    ends_on = forms.DateField(label=_("Until"), required=False)


class LendForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient number"), min_value=1)


class FoundItemForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    found_where = forms.CharField(label=_("Where found"), max_length=100)
    owner_document = forms.CharField(
        label=_("Identity document found with it"),
        max_length=40,
        required=False,
        help_text=_("Only its holder can then claim the item."),
    )


class ClaimForm(forms.Form):
    claimant_name = forms.CharField(label=_("Claimant's name"), max_length=50)
    doc_type = forms.ChoiceField(label=_("Identity document"), choices=DocumentType.choices)
    doc_number = forms.CharField(label=_("Document number"), max_length=40)


class HelperForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    kind = forms.ChoiceField(label=_("Kind"), choices=HelperKind.choices)


class TrainingForm(forms.Form):
    helper_id = forms.TypedChoiceField(label=_("Helper"), coerce=int)
    kind = forms.ChoiceField(label=_("Training or assessment"), choices=TrainingKind.choices)
    on = forms.DateField(label=_("Date"))
    topic = forms.CharField(label=_("Topic"), max_length=100)
    passed = forms.BooleanField(label=_("Assessment passed"), required=False)


class ShiftForm(forms.Form):
    helper_id = forms.TypedChoiceField(label=_("Helper"), coerce=int)
    post = forms.CharField(label=_("Post"), max_length=50)
    starts_at = forms.DateTimeField(label=_("Starts"))
    ends_at = forms.DateTimeField(label=_("Ends"))


class HelpRequestForm(forms.Form):
    contact_name = forms.CharField(label=_("Who needs help"), max_length=50)
    contact_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    need = forms.ChoiceField(label=_("What help"), choices=HelpNeed.choices)
    where = forms.CharField(label=_("Where"), max_length=100)
    needed_at = forms.DateTimeField(label=_("When"))


class AssignForm(forms.Form):
    helper_id = forms.TypedChoiceField(label=_("Helper"), coerce=int)


class CloseHelpForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=300)
