"""Back office: the configuration the appointment centre edits. Reports and results messages
(raw HL7 with patient segments) are not here (D7, D53): the results inbox is a staff page."""

from django.contrib import admin

from onetrip.reports.models import (
    CriticalValueContact,
    RecognitionWindow,
)


@admin.register(RecognitionWindow)
class RecognitionWindowAdmin(admin.ModelAdmin):
    list_display = ("item_code", "days")


@admin.register(CriticalValueContact)
class CriticalValueContactAdmin(admin.ModelAdmin):
    list_display = ("institution", "phone")
