"""FHIR R4 endpoints, mounted at /fhir/ (the FHIR base)."""

from django.urls import path

from onetrip.identity import fhir_views

app_name = "fhir"

urlpatterns = [
    path("Patient", fhir_views.patient_search, name="patient-search"),
    path("Patient/<str:patient_id>", fhir_views.patient_read, name="patient-read"),
]
