"""The patient's notification settings form: it only shapes input; the service validates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.notifications import services
from onetrip.notifications.models import Channel, ContactPreference, Language


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of messages"), choices=Language.choices, widget=forms.RadioSelect
    )
    channels = forms.MultipleChoiceField(
        label=_("Send my messages by"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    quiet_from = forms.TimeField(label=_("Quiet hours from"), required=False, widget=_time_input())
    quiet_until = forms.TimeField(label=_("until"), required=False, widget=_time_input())

    @classmethod
    def initial_from(cls, preference: ContactPreference) -> PreferenceForm:
        return cls(
            initial={
                "language": preference.language,
                "channels": [c for c in Channel.values if getattr(preference, c)],
                "quiet_from": preference.quiet_from,
                "quiet_until": preference.quiet_until,
            }
        )

    def to_input(self) -> services.PreferenceInput:
        data = self.cleaned_data
        return services.PreferenceInput(
            language=data["language"],
            channels=data["channels"],
            quiet_from=data["quiet_from"],
            quiet_until=data["quiet_until"],
        )
