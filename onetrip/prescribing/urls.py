"""Prescribing pages (mounted at the site root) and the FHIR MedicationRequest read."""

from django.urls import path

from onetrip.prescribing import fhir_views, views

urlpatterns = [
    path("staff/prescriptions/", views.desk, name="prescribing-desk"),
    path("staff/prescriptions/review/", views.review, name="prescribing-review"),
    path(
        "staff/prescriptions/<id:prescription_id>",
        views.prescription,
        name="prescribing-prescription",
    ),
    path(
        "staff/prescriptions/<id:prescription_id>/approve",
        views.approve,
        name="prescribing-approve",
    ),
    path(
        "staff/prescriptions/<id:prescription_id>/return",
        views.return_to_doctor,
        name="prescribing-return",
    ),
    path(
        "fhir/MedicationRequest/<str:resource_id>",
        fhir_views.medication_request_read,
        name="prescribing-fhir-medication-request",
    ),
]
