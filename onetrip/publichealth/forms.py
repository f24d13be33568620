"""Public-health forms: lots received and the cold chain, screening and the scanned dose, adverse
events, a lot's recall; on the phone a vaccination booking and the birth application; the
township doctor's follow-up of a hut reading and the AED check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.identity.models import Sex
from onetrip.publichealth.models import (
    AefiCategory,
    HomeCareKind,
    InjectionSite,
    PostnatalKind,
    RiskColour,
)
from onetrip.publichealth.services.vaccination import SCREENING_QUESTIONS


class LotForm(forms.Form):
    product_code = forms.ChoiceField(label=_("Vaccine"))
    lot_number = forms.CharField(label=_("Lot number"), max_length=40)
    supplier = forms.CharField(label=_("Supplier"), max_length=120)
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput({"type": "date"}))
    doses_per_package = forms.IntegerField(label=_("Doses per package"), min_value=1, initial=1)
    trace_codes = forms.CharField(
        label=_("Scan each package's traceability code (one a line)"),
        widget=forms.Textarea(attrs={"rows": 4, "inputmode": "numeric"}),
    )

    def clean_trace_codes(self) -> list[str]:
        return [line for line in self.cleaned_data["trace_codes"].split() if line]


class ColdChainForm(forms.Form):
    unit = forms.CharField(label=_("Refrigerator"), max_length=40)
    celsius = forms.DecimalField(label=_("Temperature (°C)"), max_digits=4, decimal_places=1)


class ScreeningForm(forms.Form):
    consent_by = forms.CharField(label=_("Consent given by"), max_length=60)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, question in SCREENING_QUESTIONS.items():
            self.fields[key] = forms.TypedChoiceField(
                label=question,
                choices=[("no", _("No")), ("yes", _("Yes"))],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
            )


class DoseForm(forms.Form):
    trace_code = forms.CharField(
        label=_("Scan the package's code"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autofocus": True}),
    )
    site = forms.ChoiceField(label=_("Site"), choices=InjectionSite.choices)


class AefiForm(forms.Form):
    onset_at = forms.DateTimeField(
        label=_("Onset"), widget=forms.DateTimeInput({"type": "datetime-local"})
    )
    discovered_at = forms.DateTimeField(
        label=_("Discovered"), widget=forms.DateTimeInput({"type": "datetime-local"})
    )
    symptoms = forms.CharField(label=_("Symptoms"), max_length=500, widget=forms.Textarea)
    serious = forms.BooleanField(label=_("Serious"), required=False)


class AefiFollowUpForm(forms.Form):
    note = forms.CharField(label=_("Follow-up"), max_length=1000)
    category = forms.ChoiceField(label=_("Classification"), choices=AefiCategory.choices)
    close = forms.BooleanField(label=_("Close it"), required=False)


class RecallForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the recall"), max_length=200)


class BookVaccinationForm(forms.Form):
    patient_id = forms.TypedChoiceField(label=_("Who"), coerce=int)
    product_code = forms.ChoiceField(label=_("Vaccine"))
    dose_number = forms.IntegerField(label=_("Dose"), min_value=1, max_value=10)
    slot_id = forms.TypedChoiceField(label=_("Time"), coerce=int)


class BirthForm(forms.Form):
    mother_id = forms.TypedChoiceField(label=_("Mother"), coerce=int)
    institution_id = forms.TypedChoiceField(label=_("Hospital of birth"), coerce=int)
    child_name = forms.CharField(label=_("Baby's name"), max_length=60)
    child_sex = forms.ChoiceField(label=_("Baby's sex"), choices=Sex.choices)
    born_at = forms.DateTimeField(
        label=_("Born at"), widget=forms.DateTimeInput({"type": "datetime-local"})
    )
    weight_grams = forms.IntegerField(label=_("Birth weight (g)"))
    father_name = forms.CharField(label=_("Father's name"), max_length=60)


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=200)


class AedForm(forms.Form):
    battery_ok = forms.BooleanField(label=_("Battery ready"), required=False)
    pads_ok = forms.BooleanField(label=_("Pads in date"), required=False)


class HomeCareOrderForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient number"), min_value=1)
    kind = forms.ChoiceField(label=_("Kind"), choices=HomeCareKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=200)


class HomeVisitScheduleForm(forms.Form):
    order_id = forms.IntegerField(widget=forms.HiddenInput)
    nurse_username = forms.CharField(label=_("Nurse's user name"), max_length=150)
    at = forms.DateTimeField(
        label=_("Visit time"), widget=forms.DateTimeInput({"type": "datetime-local"})
    )


class HomeVisitForm(forms.Form):
    notes = forms.CharField(label=_("Visit notes"), max_length=1000, widget=forms.Textarea)
    systolic = forms.IntegerField(label=_("Systolic (mmHg)"), required=False)
    diastolic = forms.IntegerField(label=_("Diastolic (mmHg)"), required=False)
    pulse = forms.IntegerField(label=_("Pulse (per minute)"), required=False)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), max_digits=3, decimal_places=1, required=False
    )


# --- mother and child ---------------------------------------------------------------------------


def _date(label):
    return forms.DateField(label=label, widget=forms.DateInput({"type": "date"}))


class PregnancyForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient number"), min_value=1)
    last_period = _date(_("First day of the last menstrual period"))
    gravida = forms.IntegerField(label=_("Pregnancies including this one (gravida)"), min_value=1)
    para = forms.IntegerField(label=_("Births before (para)"), min_value=0)


class RiskForm(forms.Form):
    colour = forms.ChoiceField(label=_("Risk colour"), choices=RiskColour.choices)
    factor = forms.CharField(label=_("Risk factor"), max_length=200)
    referral_note = forms.CharField(
        label=_("Referral to a higher-level hospital (orange and red)"),
        max_length=300,
        required=False,
    )


class AntenatalCheckForm(forms.Form):
    number = forms.TypedChoiceField(label=_("Check"), coerce=int)
    notes = forms.CharField(label=_("Findings"), max_length=1000, widget=forms.Textarea)
    systolic = forms.IntegerField(label=_("Systolic (mmHg)"), required=False)
    diastolic = forms.IntegerField(label=_("Diastolic (mmHg)"), required=False)
    weight_grams = forms.IntegerField(label=_("Weight (g)"), required=False)


class DeliveryForm(forms.Form):
    delivered_on = _date(_("Day of the birth"))


class PostnatalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Visit"), choices=PostnatalKind.choices)
    notes = forms.CharField(label=_("Findings"), max_length=1000, widget=forms.Textarea)


class ChildCheckForm(forms.Form):
    age_months = forms.TypedChoiceField(label=_("Check at age (months)"), coerce=int)
    weight_grams = forms.IntegerField(label=_("Weight (g)"))
    length_mm = forms.IntegerField(label=_("Length or height (mm)"))
    head_mm = forms.IntegerField(label=_("Head circumference (mm)"), required=False)
    notes = forms.CharField(label=_("Findings"), max_length=1000, required=False)


class BookCheckForm(forms.Form):
    number = forms.TypedChoiceField(label=_("Check"), coerce=int)
    slot_id = forms.TypedChoiceField(label=_("Time"), coerce=int)


class BookChildCheckForm(forms.Form):
    age_months = forms.TypedChoiceField(label=_("Check at age (months)"), coerce=int)
    slot_id = forms.TypedChoiceField(label=_("Time"), coerce=int)


# --- hut video consultations ---------------------------------------------------------------------


class VideoRequestForm(forms.Form):
    patient_id = forms.TypedChoiceField(label=_("Who"), coerce=int)
    hut_id = forms.TypedChoiceField(label=_("Health hut"), coerce=int)
    reason = forms.CharField(label=_("What is it about"), max_length=300, widget=forms.Textarea)


class VideoScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Time"), widget=forms.DateTimeInput({"type": "datetime-local"})
    )


class VideoCloseForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), max_length=1000, widget=forms.Textarea)
    declined = forms.BooleanField(label=_("Decline the request"), required=False)
