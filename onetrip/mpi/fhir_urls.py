"""FHIR R4 operations of the master patient index, mounted at /fhir/ before identity's
`Patient/<id>` read, which would otherwise take "$match" for an id."""

from django.urls import path

from onetrip.mpi import fhir_views

app_name = "mpi_fhir"

urlpatterns = [
    path("Patient/$match", fhir_views.patient_match, name="patient-match"),
]
