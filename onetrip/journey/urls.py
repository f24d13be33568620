from django.urls import path

from onetrip.journey import views

urlpatterns = [
    path("p/today", views.patient_today, name="patient-today"),
    path(
        "staff/patients/<id:patient_id>/journey",
        views.staff_timeline,
        name="staff-patient-journey",
    ),
]
