"""Back office for scheduling reference data (system administrators).

Templates, exceptions and booking rules are edited here; sessions change only through the
services (generation, stop-clinic), whose rules and notifications the admin would bypass, and
API keys are issued and revoked through `api_keys` because only then is the secret shown once
and stored hashed. Both are therefore read-only here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onetrip.core.backoffice import ReadOnlyAdmin
from onetrip.core.errors import InvalidInput
from onetrip.scheduling.models import (
    ApiClient,
    ClinicSession,
    ScheduleException,
    SchedulingPolicy,
    SessionTemplate,
)
from onetrip.scheduling.policy import DEFAULT_POLICY


@admin.register(SessionTemplate)
class SessionTemplateAdmin(admin.ModelAdmin):
    list_display = ["doctor", "clinic", "weekday", "period", "start_time", "end_time", "valid_from"]
    list_filter = ["period", "weekday", "doctor__department__institution"]
    search_fields = ["doctor__name", "clinic__name"]
    raw_id_fields = ["doctor", "clinic"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ["reason", "institution", "doctor", "date_from", "date_to"]
    list_filter = ["institution"]
    search_fields = ["reason", "doctor__name"]
    raw_id_fields = ["doctor"]
    date_hierarchy = "date_from"


class SchedulingPolicyForm(forms.ModelForm):
    class Meta:
        model = SchedulingPolicy
        fields = ["institution", "department", "doctor", "rules"]

    def clean_rules(self) -> dict:
        # The rules the booking path will read must parse, or every booking under them fails.
        rules = self.cleaned_data["rules"]
        if not isinstance(rules, dict):
            raise ValidationError(_("Give the rules as a JSON object."))
        try:
            DEFAULT_POLICY.with_overrides(rules)
        except InvalidInput as exc:
            raise ValidationError([f"{e.field}: {e.message}" for e in exc.errors]) from None
        return rules


@admin.register(SchedulingPolicy)
class SchedulingPolicyAdmin(admin.ModelAdmin):
    form = SchedulingPolicyForm
    list_display = ["institution", "department", "doctor"]
    list_filter = ["institution"]
    raw_id_fields = ["department", "doctor"]


@admin.register(ClinicSession)
class ClinicSessionAdmin(ReadOnlyAdmin):
    list_display = ["date", "period", "doctor", "department", "institution", "status"]
    list_filter = ["status", "period", "institution"]
    search_fields = ["doctor__name"]
    date_hierarchy = "date"


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    list_display = ["name", "institution", "channel", "key_prefix", "is_active", "created_at"]
    list_filter = ["is_active", "channel", "institution"]
    search_fields = ["name", "key_prefix"]
    exclude = ["key_hash"]
