"""The emergency pages' forms: shape raw input for the services, which validate it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.emergency import clocks, services, triage
from onetrip.emergency.models import Zone
from onetrip.identity.models import Sex


class CallForm(forms.Form):
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=20)
    caller_name = forms.CharField(label=_("Caller"), max_length=60, required=False)
    zone_id = forms.TypedChoiceField(label=_("Zone"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200)
    complaint = forms.CharField(label=_("Chief complaint"), max_length=200)

    def __init__(self, *args, zones: list[Zone], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone_id"].choices = [(z.pk, f"{z.code} {z.name}") for z in zones]
        for code, question, _channel, _priority in triage.QUESTIONS:
            self.fields[f"q_{code}"] = forms.BooleanField(label=question, required=False)

    def call_in(self) -> services.CallIn:
        data = self.cleaned_data
        return services.CallIn(
            caller_phone=data["caller_phone"],
            caller_name=data["caller_name"],
            zone_id=data["zone_id"],
            address=data["address"],
            complaint=data["complaint"],
            answers={code: data[f"q_{code}"] for code in triage.QUESTION_CODES},
        )

    def triage_fields(self):
        return [self[f"q_{code}"] for code in triage.QUESTION_CODES]


class VitalsForm(forms.Form):
    heart_rate = forms.IntegerField(label=_("Heart rate"), min_value=0, max_value=300)
    systolic = forms.IntegerField(label=_("Systolic pressure"), min_value=0, max_value=300)
    diastolic = forms.IntegerField(label=_("Diastolic pressure"), min_value=0, max_value=200)
    spo2 = forms.IntegerField(label=_("SpO₂ (%)"), min_value=0, max_value=100)
    respiratory_rate = forms.IntegerField(label=_("Respiratory rate"), min_value=0, max_value=80)
    gcs = forms.IntegerField(label=_("Glasgow coma scale"), min_value=3, max_value=15)


class EcgForm(forms.Form):
    waveform = forms.FileField(label=_("Waveform file (HL7 aECG .xml, DICOM .dcm, SCP .scp)"))
    image = forms.FileField(label=_("ECG image (PNG or JPEG)"))


class IdentifyForm(forms.Form):
    doc_type = forms.ChoiceField(
        label=_("Document"),
        choices=[("resident_id", _("Resident ID card")), ("e_health_card", _("E-health card"))],
    )
    number = forms.CharField(label=_("Number"), max_length=100)


class UnknownPatientForm(forms.Form):
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)


class MilestoneForm(forms.Form):
    code = forms.ChoiceField(label=_("Milestone"))
    at = forms.TimeField(label=_("At (empty: now)"), required=False)
    delay_reason = forms.CharField(label=_("Reason for the delay"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [(code, clocks.MILESTONES[code]) for code in clocks.RECORDED]


class FeeForm(forms.Form):
    item_code = forms.ChoiceField(
        label=_("Fee"), choices=[(code, code) for code in services.FEE_ITEMS]
    )
