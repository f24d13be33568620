"""Back office: results messages (replay is on the staff page, which checks the institution),
reports read-only, and the configuration the appointment centre edits."""

from django.contrib import admin

from onetrip.core.backoffice import ReadOnlyAdmin
from onetrip.reports.models import (
    CriticalValueContact,
    InboundMessage,
    RecognitionWindow,
    Report,
)


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "control_id", "status", "error_location")
    list_filter = ("status", "source")
    search_fields = ("control_id", "sender")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("placer_number", "service_name", "status", "issued_at", "quarantine_reason")
    list_filter = ("status", "kind")
    search_fields = ("placer_number", "filler_number")


@admin.register(RecognitionWindow)
class RecognitionWindowAdmin(admin.ModelAdmin):
    list_display = ("item_code", "days")


@admin.register(CriticalValueContact)
class CriticalValueContactAdmin(admin.ModelAdmin):
    list_display = ("institution", "phone")
