"""The doctor's prescription form (three drug rows) and the pharmacist's return form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.prescribing.models import Route

ROWS = 3


class PrescriptionForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient number"), min_value=1)
    condition_code = forms.CharField(label=_("Diagnosis code"), max_length=10, required=False)
    condition_name = forms.CharField(label=_("Diagnosis"), max_length=100, required=False)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=84, initial=7)
    chronic = forms.BooleanField(label=_("Chronic disease (long prescription)"), required=False)
    pregnant = forms.BooleanField(label=_("Pregnant"), required=False)
    allergies = forms.CharField(
        label=_("Allergies"),
        max_length=200,
        required=False,
        help_text=_("Drug groups, separated by commas, e.g. penicillin"),
    )
    online_visit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, drugs=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(d.code, d.name) for d in drugs]
        for row in range(ROWS):
            self.fields[f"drug_{row}"] = forms.ChoiceField(
                label=_("Drug"), choices=choices, required=row == 0
            )
            self.fields[f"dose_{row}"] = forms.CharField(
                label=_("Single dose"), max_length=12, required=False
            )
            self.fields[f"times_{row}"] = forms.IntegerField(
                label=_("Times a day"), min_value=1, max_value=6, required=False, initial=1
            )
            self.fields[f"route_{row}"] = forms.ChoiceField(
                label=_("Route"), choices=Route.choices, required=False
            )
            self.fields[f"quantity_{row}"] = forms.IntegerField(
                label=_("Packs"), min_value=1, max_value=99, required=False, initial=1
            )

    def rows(self):
        return [
            [self[f"{name}_{row}"] for name in ("drug", "dose", "times", "route", "quantity")]
            for row in range(ROWS)
        ]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What the doctor must change"), max_length=300)


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    picture = forms.FileField(label=_("Picture"), required=False)


class CloseVisitForm(forms.Form):
    note = forms.CharField(
        label=_("Encounter note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
