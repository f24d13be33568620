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
    path("staff/online/", views.staff_visits, name="prescribing-staff-visits"),
    path("staff/online/<id:visit_id>", views.staff_visit, name="prescribing-staff-visit"),
    path("staff/online/<id:visit_id>/send", views.staff_send, name="prescribing-staff-send"),
    path("staff/online/<id:visit_id>/close", views.staff_close, name="prescribing-staff-close"),
    path(
        "staff/online/<id:visit_id>/pictures/<id:message_id>",
        views.staff_picture,
        name="prescribing-staff-picture",
    ),
    path("p/online/", views.patient_visits, name="prescribing-patient-visits"),
    path("p/online/book/<id:diagnosis_id>", views.patient_book, name="prescribing-patient-book"),
    path("p/online/<id:visit_id>", views.patient_visit, name="prescribing-patient-visit"),
    path("p/online/<id:visit_id>/send", views.patient_send, name="prescribing-patient-send"),
    path(
        "p/online/<id:visit_id>/pictures/<id:message_id>",
        views.patient_picture,
        name="prescribing-patient-picture",
    ),
]
