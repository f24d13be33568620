"""The patient's delivery request and the courier's proof of delivery."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeliveryForm(forms.Form):
    recipient_name = forms.CharField(label=_("Recipient"), max_length=50)
    recipient_phone = forms.CharField(label=_("Recipient's mobile phone"), max_length=11)
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        help_text=_("District or township, street and house number"),
    )


class ProofForm(forms.Form):
    code = forms.CharField(label=_("The patient's delivery code"), max_length=6)
