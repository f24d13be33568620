"""The referral pages' forms: they shape input for the services, which do the validating."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.referral.models import ReadingKind, Urgency

FOLLOW_UP_ROWS = 3


class UpwardReferralForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for referral"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=200)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE
    )
    allergies = forms.CharField(label=_("Allergies"), max_length=200, required=False)
    medications = forms.CharField(label=_("Current medication"), max_length=500, required=False)
    record_shared = forms.BooleanField(
        label=_("The patient agrees that the hospital reads their shared record"), required=False
    )
    slot_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    exam_item_code = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class RedirectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    to_institution_id = forms.TypedChoiceField(
        label=_("Redirect to"), coerce=int, required=False, empty_value=None
    )


class DownwardReferralForm(forms.Form):
    to_institution_id = forms.TypedChoiceField(label=_("Refer back to"), coerce=int)
    reason = forms.CharField(
        label=_("Summary of treatment"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=200)
    medication = forms.CharField(
        label=_("Medication"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    warning_signs = forms.CharField(
        label=_("Warning signs (come back at once if…)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    advice = forms.CharField(label=_("Advice"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for row in range(FOLLOW_UP_ROWS):
            self.fields[f"follow_up_{row}_date"] = forms.DateField(
                label=_("Follow-up day"),
                required=row == 0,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"follow_up_{row}_purpose"] = forms.CharField(
                label=_("What for"), max_length=100, required=row == 0
            )

    def follow_ups(self) -> list[tuple[dt.date, str]]:
        rows = []
        for row in range(FOLLOW_UP_ROWS):
            day = self.cleaned_data.get(f"follow_up_{row}_date")
            purpose = self.cleaned_data.get(f"follow_up_{row}_purpose", "")
            if day or purpose:
                rows.append((day, purpose))
        return rows

    def follow_up_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"follow_up_{row}_date"], self[f"follow_up_{row}_purpose"])
            for row in range(FOLLOW_UP_ROWS)
        ]


class ConsultationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Ask for"), choices=ReadingKind.choices)
    consulting_institution_id = forms.TypedChoiceField(label=_("Consulting centre"), coerce=int)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE
    )
    question = forms.CharField(
        label=_("Clinical question"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    exam_order_id = forms.TypedChoiceField(
        label=_("Exam to be read"), coerce=int, required=False, empty_value=None
    )
    study_uid = forms.CharField(label=_("DICOM study instance UID"), max_length=64, required=False)
    waveform_file = forms.CharField(label=_("ECG waveform file"), max_length=200, required=False)
    specimen_reference = forms.CharField(
        label=_("Slide or specimen number"), max_length=100, required=False
    )


class AnswerForm(forms.Form):
    opinion = forms.CharField(
        label=_("Opinion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ContractOfferForm(forms.Form):
    team_id = forms.TypedChoiceField(label=_("Family doctor team"), coerce=int)
