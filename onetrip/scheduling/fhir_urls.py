"""FHIR R4 scheduling endpoints, mounted at /fhir/ beside the identity ones."""

from django.urls import path

from onetrip.scheduling import fhir_views

app_name = "scheduling_fhir"

urlpatterns = [
    path("Schedule", fhir_views.schedule_search, name="schedule-search"),
    path("Schedule/<str:schedule_id>", fhir_views.schedule_read, name="schedule-read"),
    path("Slot", fhir_views.slot_search, name="slot-search"),
    path("Slot/<str:slot_id>", fhir_views.slot_read, name="slot-read"),
    path("Appointment", fhir_views.appointment_search, name="appointment-search"),
    # The operations before the read, which would take "$find" for an id.
    path("Appointment/$find", fhir_views.appointment_find, name="appointment-find"),
    path("Appointment/$hold", fhir_views.appointment_hold, name="appointment-hold"),
    path("Appointment/$book", fhir_views.appointment_book, name="appointment-book"),
    path("Appointment/<str:appointment_id>", fhir_views.appointment_read, name="appointment-read"),
]
