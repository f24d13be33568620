"""Back office: results messages (replay is on the staff page, which checks the institution),
reports read-only, and the configuration the appointment centre edits."""

from django.contrib import admin

from onetrip.reports.models import (
    CriticalValueContact,
    InboundMessage,
    RecognitionWindow,
    Report,
)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "control_id", "status", "error_location")
    list_filter = ("status", "source")
    search_fields = ("control_id", "sender")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("placer_number", "service_name", "status", "issued_at", "quarantine_reason")
    list_filter = ("status", "kind")
    search_fields = ("placer_number", "filler_number")
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RecognitionWindow)
class RecognitionWindowAdmin(admin.ModelAdmin):
    list_display = ("item_code", "days")


@admin.register(CriticalValueContact)
class CriticalValueContactAdmin(admin.ModelAdmin):
    list_display = ("institution", "phone")
